package pricing

import (
	"testing"
	"time"
)

var (
	periodStart = time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	periodEnd   = periodStart.Add(720 * time.Hour) // 30 days
)

func hoursIn(h float64) time.Time { return periodStart.Add(time.Duration(h * float64(time.Hour))) }

func TestProrate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		amount   string
		currency string
		at       time.Time
		want     string
	}{
		{"half the period left", "20", "EUR", hoursIn(360), "10.00"},
		{"at the start", "20", "EUR", periodStart, "20.00"},
		{"before the start clamps to the whole period", "20", "EUR", hoursIn(-48), "20.00"},
		{"at the end", "20", "EUR", periodEnd, "0"},
		{"after the end", "20", "EUR", hoursIn(800), "0"},
		{"partial hours left count down to whole hours", "20", "EUR", hoursIn(359.5), "10.00"},
		{"one hour left", "720", "EUR", hoursIn(719), "1.00"},
		{"less than an hour left", "720", "EUR", hoursIn(719.5), "0"},
		{"rounds half-even down: 0.05/2 = 0.025", "0.05", "EUR", hoursIn(360), "0.02"},
		{"rounds half-even up: 0.07/2 = 0.035", "0.07", "EUR", hoursIn(360), "0.04"},
		{"rounds a third: 10/3", "10", "EUR", hoursIn(480), "3.33"},
		{"JPY: 25/2 = 12.5 → 12", "25", "JPY", hoursIn(360), "12"},
		{"JPY: 27/2 = 13.5 → 14", "27", "JPY", hoursIn(360), "14"},
		{"negative amounts (credits) round symmetrically", "-0.05", "EUR", hoursIn(360), "-0.02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			equalAmount(t, "Prorate", Prorate(d(tt.amount), tt.currency, periodStart, periodEnd, tt.at), d(tt.want))
		})
	}
	if got := Prorate(d("20"), "EUR", periodStart, periodStart.Add(30*time.Minute), periodStart); !got.IsZero() {
		t.Errorf("sub-hour period prorates to %s", got)
	}
}

func TestDivRoundBankIsExact(t *testing.T) {
	t.Parallel()
	// 0.0149999999999999999 / 1 must round to 0.01, even though Div's
	// 16-digit quotient would be 0.0150000000000000 and round to 0.02.
	equalAmount(t, "quotient", divRoundBank(d("0.0149999999999999999"), d("1"), 2), d("0.01"))
	equalAmount(t, "quotient", divRoundBank(d("1"), d("3"), 2), d("0.33"))
	equalAmount(t, "quotient", divRoundBank(d("2"), d("3"), 2), d("0.67"))
}
