package pricing

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// TestConvertKeepsSharesWhole: converted through a channel at random rates
// into currencies of 0, 2 and 3 decimals, every line is rounded to the
// quote currency's minor unit, the total is the sum of the lines and the
// shares add up to it exactly.
func TestConvertKeepsSharesWhole(t *testing.T) {
	r := newRand()
	for i := range 2000 {
		p := Pricing{Currency: "EUR", Model: ModelPerUnit, UnitAmount: randAmount(r, 500, 4), SetupFee: randAmount(r, 100, 2)}
		channel := []ChannelMarkup{
			{Role: RoleDistributor, OrganizationID: 2, Markup: Markup{Kind: MarkupPercentage, Value: *randAmount(r, 40, 2)}},
			{Role: RoleReseller, OrganizationID: 3, Markup: Markup{Kind: MarkupPercentage, Value: *randAmount(r, 40, 2)}},
		}
		q, err := p.Quote(QuoteRequest{Quantity: 1 + r.Int64N(500), IncludeSetup: true, Channel: channel, VendorID: 1, PlatformFeePercent: *randAmount(r, 50, 1)})
		if err != nil {
			t.Fatal(err)
		}
		to := []string{"JPY", "USD", "KWD"}[i%3]
		rate := ExchangeRate{Base: "EUR", Quote: to, Rate: randAmount(r, 200, 6).Add(decimal.New(1, -6)), ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		c := rate.Convert(q)
		minor, _ := MinorUnits(to)
		sum, shares := decimal.Zero, decimal.Zero
		for _, l := range c.Lines {
			if !l.Amount.Equal(l.Amount.RoundBank(minor)) {
				t.Fatalf("%s line %s not in minor units", to, l.Amount)
			}
			sum = sum.Add(l.Amount)
		}
		for _, s := range c.Shares {
			if !s.Amount.Equal(s.Amount.RoundBank(minor)) {
				t.Fatalf("%s share %s not in minor units", to, s.Amount)
			}
			shares = shares.Add(s.Amount)
		}
		if c.Currency != to || !sum.Equal(c.Total) || !shares.Equal(c.Total) {
			t.Fatalf("%s at %s: lines %s, shares %s, total %s (from %+v)", to, rate.Rate, sum, shares, c.Total, q)
		}
	}
}

// TestExchangeRateBounds: a rate is positive, at most MaxRate, with known
// codes and a date for ValidFrom; each refusal names its field.
func TestExchangeRateBounds(t *testing.T) {
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ok := ExchangeRate{Base: "EUR", Quote: "USD", Rate: decimal.RequireFromString("1.0845"), ValidFrom: day}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, bad := range map[string]ExchangeRate{
		"rate":       {Base: "EUR", Quote: "USD", Rate: decimal.Zero, ValidFrom: day},
		"base":       {Base: "eur", Quote: "USD", Rate: decimal.NewFromInt(1), ValidFrom: day},
		"quote":      {Base: "EUR", Quote: "EUR", Rate: decimal.NewFromInt(1), ValidFrom: day},
		"valid_from": {Base: "EUR", Quote: "USD", Rate: decimal.NewFromInt(1), ValidFrom: day.Add(time.Hour)},
	} {
		if fs := errorPaths(t, bad.Validate()); len(fs) != 1 || fs[0] != field {
			t.Errorf("%+v: %v, want one error at %s", bad, fs, field)
		}
	}
	if got := ok.Inverse().Rate.String(); got != "0.9220839096" {
		t.Fatalf("inverse %s", got)
	}
}
