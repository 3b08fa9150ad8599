package pricing

import (
	"slices"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
)

// dualPlan is a graduated EUR plan with a setup fee and a USD price.
func dualPlan() Pricing {
	p := validPlan()
	p.Metrics = nil
	p.Prices = []CurrencyPrice{{Currency: "USD", SetupFee: dp("11"), Tiers: []Tier{{UpTo: i64(10), UnitAmount: dp("5.50")}, {UnitAmount: dp("4.40")}}}}
	return p
}

// TestCurrencyPrices: explicit prices in other currencies are checked
// where a plan is written: a known currency other than the plan's, once;
// the plan's model and tiers; a setup fee exactly when the plan has one;
// amounts in the currency's minor unit; none on a plan with metrics.
func TestCurrencyPrices(t *testing.T) {
	t.Parallel()
	if err := dualPlan().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		mutate func(*Pricing)
		paths  []string
	}{
		{"unknown currency", func(p *Pricing) { p.Prices[0].Currency = "XYZ" }, []string{"prices[0].currency"}},
		{"the plan's own currency", func(p *Pricing) { p.Prices[0].Currency = "EUR" }, []string{"prices[0].currency"}},
		{"twice", func(p *Pricing) { p.Prices = append(p.Prices, p.Prices[0]) }, []string{"prices[1].currency"}},
		{"another model's field", func(p *Pricing) { p.Prices[0].UnitAmount = dp("5") }, []string{"prices[0].unit_amount"}},
		{"no tiers", func(p *Pricing) { p.Prices[0].Tiers = nil }, []string{"prices[0].tiers"}},
		{"fewer tiers", func(p *Pricing) { p.Prices[0].Tiers = p.Prices[0].Tiers[1:] }, []string{"prices[0].tiers"}},
		{"other bounds", func(p *Pricing) { p.Prices[0].Tiers[0].UpTo = i64(20) }, []string{"prices[0].tiers[0].up_to"}},
		{"no setup fee", func(p *Pricing) { p.Prices[0].SetupFee = nil }, []string{"prices[0].setup_fee"}},
		{"a setup fee the plan has not", func(p *Pricing) { p.SetupFee = nil }, []string{"prices[0].setup_fee"}},
		{"yen with decimals", func(p *Pricing) { p.Prices[0].Currency, p.Prices[0].SetupFee = "JPY", dp("1500.5") }, []string{"prices[0].setup_fee"}},
		{"negative", func(p *Pricing) { p.Prices[0].Tiers[1].UnitAmount = dp("-1") }, []string{"prices[0].tiers[1].unit_amount"}},
		{"with metrics", func(p *Pricing) { p.Metrics = validPlan().Metrics }, []string{"prices"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := dualPlan()
			c.mutate(&p)
			err := p.Validate()
			var paths []string
			for _, f := range mercato.Fields(err) {
				paths = append(paths, f.Path)
			}
			if !slices.Equal(paths, c.paths) {
				t.Fatalf("paths %v (%v), want %v", paths, err, c.paths)
			}
		})
	}
}

// TestPricingIn: a customer's currency with an explicit price gets the
// plan with that price; the plan's own currency the plan; another none.
func TestPricingIn(t *testing.T) {
	t.Parallel()
	p := dualPlan()
	usd, ok := p.In("USD")
	if !ok || usd.Currency != "USD" || usd.SetupFee.String() != "11" || usd.Tiers[0].UnitAmount.String() != "5.5" || usd.Prices != nil || usd.Model != p.Model {
		t.Fatalf("USD: %+v %t", usd, ok)
	}
	q, err := usd.Quote(QuoteRequest{Quantity: 12, IncludeSetup: true})
	if err != nil || q.Currency != "USD" || q.Total.String() != "74.8" { // 10 × 5.50 + 2 × 4.40 + 11
		t.Fatalf("USD quote %s %s %v", q.Currency, q.Total, err)
	}
	if own, ok := p.In("EUR"); !ok || own.Currency != "EUR" || len(own.Prices) != 1 {
		t.Fatalf("EUR: %+v %t", own, ok)
	}
	if _, ok := p.In("GBP"); ok {
		t.Fatal("a price in GBP")
	}
}
