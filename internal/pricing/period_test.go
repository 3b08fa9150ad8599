package pricing

import (
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		months int
		days   int
		ok     bool
	}{
		{"P1M", 1, 0, true},
		{"P3M", 3, 0, true},
		{"P1Y", 12, 0, true},
		{"P2W", 0, 14, true},
		{"P14D", 0, 14, true},
		{"P1000Y", 12000, 0, true},
		{"", 0, 0, false},
		{"P", 0, 0, false},
		{"PM", 0, 0, false},
		{"P0M", 0, 0, false},
		{"P1001M", 0, 0, false},
		{"P-1M", 0, 0, false},
		{"P+1M", 0, 0, false},
		{"p1m", 0, 0, false},
		{"P1H", 0, 0, false},
		{"PT1H", 0, 0, false},
		{"P1Y2M", 0, 0, false},
		{"P1.5M", 0, 0, false},
		{"P99999999999999999999M", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePeriod(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParsePeriod(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			if p.Months() != tt.months || p.Days() != tt.days {
				t.Errorf("months, days = %d, %d, want %d, %d", p.Months(), p.Days(), tt.months, tt.days)
			}
			if p.String() != tt.in {
				t.Errorf("String = %q, want %q", p.String(), tt.in)
			}
		})
	}
	if (Period{}).String() != "" || !(Period{}).IsZero() {
		t.Error("zero Period")
	}
}

func TestPeriodAddTo(t *testing.T) {
	t.Parallel()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 30, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		period string
		from   time.Time
		want   time.Time
	}{
		{"Jan 31 + P1M clamps to Feb 28", "P1M", date(2025, 1, 31), date(2025, 2, 28)},
		{"Jan 31 + P1M in a leap year is Feb 29", "P1M", date(2024, 1, 31), date(2024, 2, 29)},
		{"Mar 31 + P1M is Apr 30", "P1M", date(2025, 3, 31), date(2025, 4, 30)},
		{"Jan 15 + P1M", "P1M", date(2025, 1, 15), date(2025, 2, 15)},
		{"Dec 31 + P1M crosses the year", "P1M", date(2025, 12, 31), date(2026, 1, 31)},
		{"Nov 30 + P3M is Feb 28", "P3M", date(2025, 11, 30), date(2026, 2, 28)},
		{"Jan 31 + P3M is Apr 30", "P3M", date(2025, 1, 31), date(2025, 4, 30)},
		{"Feb 29 + P1Y is Feb 28", "P1Y", date(2024, 2, 29), date(2025, 2, 28)},
		{"Jun 1 + P1Y", "P1Y", date(2025, 6, 1), date(2026, 6, 1)},
		{"Jan 1 + P2W", "P2W", date(2025, 1, 1), date(2025, 1, 15)},
		{"Feb 20 + P14D crosses the month", "P14D", date(2025, 2, 20), date(2025, 3, 6)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePeriod(tt.period)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.AddTo(tt.from); !got.Equal(tt.want) {
				t.Errorf("AddTo = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPeriodAddNFromAnchorDoesNotDrift(t *testing.T) {
	t.Parallel()
	p, _ := ParsePeriod("P1M")
	anchor := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	if got, want := p.AddN(anchor, 2), time.Date(2025, 3, 31, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("AddN(2) = %v, want %v", got, want)
	}
	if got, want := p.AddN(anchor, -2), time.Date(2024, 11, 30, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("AddN(-2) = %v, want %v", got, want)
	}
	// Adding one month twice drifts, which is why AddN exists.
	if got := p.AddTo(p.AddTo(anchor)); got.Day() != 28 {
		t.Errorf("AddTo twice = %v", got)
	}
}

func TestPeriodAddToKeepsLocation(t *testing.T) {
	t.Parallel()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	p, _ := ParsePeriod("P1M")
	from := time.Date(2025, 3, 15, 9, 0, 0, 0, rome)
	got := p.AddTo(from)
	if got.Location() != rome || got.Hour() != 9 || got.Month() != time.April {
		t.Errorf("AddTo = %v", got)
	}
}
