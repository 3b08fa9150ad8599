package pricing

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func BenchmarkQuoteGraduated(b *testing.B) {
	p := specExample(b)
	req := QuoteRequest{Quantity: 250, IncludeSetup: true, Usage: map[string]decimal.Decimal{"storage": d("120.5")}}
	for b.Loop() {
		if _, err := p.Quote(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuoteChannel(b *testing.B) {
	p := Pricing{Currency: "EUR", Model: ModelVolume, Unit: "seat", Tiers: cloudesireTiers()}
	req := QuoteRequest{Quantity: 15, PlatformFeePercent: d("20"), Channel: []ChannelMarkup{
		{Role: RoleDistributor, Markup: pct("10")},
		{Role: RoleReseller, Markup: pct("20")},
	}}
	for b.Loop() {
		if _, err := p.Quote(req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecurringPerUnit(b *testing.B) {
	p := Pricing{Currency: "EUR", Model: ModelPerUnit, Unit: "seat", UnitAmount: dp("4.00")}
	for b.Loop() {
		if _, err := p.Recurring(25); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	p := specExample(b)
	for b.Loop() {
		if err := p.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProrate(b *testing.B) {
	amount := d("123.45")
	at := periodStart.Add(123 * time.Hour)
	for b.Loop() {
		Prorate(amount, "EUR", periodStart, periodEnd, at)
	}
}
