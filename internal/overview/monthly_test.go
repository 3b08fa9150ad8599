package overview

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestMonthly(t *testing.T) {
	d := func(s string) decimal.Decimal { return decimal.RequireFromString(s) }
	jan := time.Date(2026, time.January, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name       string
		start, end time.Time
		amount     string
		want       string
	}{
		{"a month", jan, jan.AddDate(0, 1, 0), "30", "30"},
		{"a quarter", jan, jan.AddDate(0, 3, 0), "30", "10"},
		{"a year", jan, jan.AddDate(1, 0, 0), "120", "10"},
		{"a week, against an average month", jan, jan.AddDate(0, 0, 7), "7", "30.4369"},
		{"an empty period", jan, jan, "7", "0"},
	} {
		got := Monthly(Charge{Start: c.start, End: c.end, Amount: d(c.amount)}).Round(4)
		if !got.Equal(d(c.want)) {
			t.Errorf("%s: %s a period is %s a month, want %s", c.name, c.amount, got, c.want)
		}
	}
}

func TestComputeCountsByMonth(t *testing.T) {
	now := time.Date(2026, time.March, 15, 12, 0, 0, 0, time.UTC)
	months := monthsUpTo(now)
	feb := time.Date(2026, time.February, 20, 0, 0, 0, 0, time.UTC)
	r := compute(Facts{
		Moves: []Move{
			{At: feb, From: "PENDING", To: "FAILED"},
			{At: feb, From: "DEPLOYED", To: "UNDEPLOY_SENT"},
			{At: now, From: "UNDEPLOY_SENT", To: "UNDEPLOYED"}, // the same ending, confirmed: not twice
			{At: now, From: "REQUIRES_APPROVAL", To: "UNDEPLOYED"},
			{At: now, From: "WAITING_PAYMENT", To: "PAYMENT_EXPIRED"},
		},
		FailedPayments: []time.Time{feb, now, months[0].Add(-time.Second)}, // the last is before the report
		Charges:        []Charge{{Start: feb, End: feb.AddDate(0, 1, 0), Currency: "EUR", Amount: decimal.NewFromInt(12)}},
	}, months, now)
	last := Months - 1
	if r.FailedProvisionings[last-1] != 1 || r.Cancelled[last-1] != 1 || r.Cancelled[last] != 2 {
		t.Errorf("failed provisionings %v, cancelled %v", r.FailedProvisionings, r.Cancelled)
	}
	total := 0
	for _, n := range r.FailedPayments {
		total += n
	}
	if r.FailedPayments[last-1] != 1 || r.FailedPayments[last] != 1 || total != 2 {
		t.Errorf("failed payments %v", r.FailedPayments)
	}
	// A charge from 20 February to 20 March counts at the end of February
	// and now (15 March), not at the end of January.
	if a := r.MRR[0].Amounts; !a[last].Equal(decimal.NewFromInt(12)) || !a[last-1].Equal(decimal.NewFromInt(12)) || !a[last-2].IsZero() {
		t.Errorf("MRR %v", a)
	}
}
