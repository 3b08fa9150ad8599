package pricing

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// FuzzPricingJSON feeds arbitrary bytes through the path an API request
// takes: unmarshal, validate, price. Nothing may panic, and a plan that
// validates must quote with shares that add up.
func FuzzPricingJSON(f *testing.F) {
	f.Add([]byte(specExampleJSON), int64(25), "120.5")
	f.Add([]byte(`{"currency":"EUR","model":"flat","amount":"100"}`), int64(1), "0")
	f.Add([]byte(`{"currency":"JPY","model":"per_unit","unit_amount":"0.5","min_quantity":2,"max_quantity":9}`), int64(3), "1")
	f.Add([]byte(`{"currency":"KWD","model":"package","amount":"1.234","package_size":10,"metrics":[{"name":"storage","unit":"GB","model":"package","amount":"1","package_size":3}]}`), int64(31), "10.5")
	f.Add([]byte(`{"currency":"USD","period":"P2W","term":"P4W","model":"volume","tiers":[{"up_to":9,"unit_amount":"5"},{"up_to":null,"unit_amount":"3","flat_amount":"1"}],"metrics":[{"name":"storage","unit":"GB","model":"volume","tiers":[{"up_to":1,"flat_amount":"2"},{"up_to":null,"unit_amount":"0.000001"}]}]}`), int64(15), "0.0000001")
	f.Add([]byte(`{"currency":"EUR","model":"graduated","tiers":[{"up_to":null}],"unit_amount":"1e9999"}`), int64(-1), "-1")
	f.Fuzz(func(t *testing.T, data []byte, quantity int64, usage string) {
		var p Pricing
		if json.Unmarshal(data, &p) != nil {
			return
		}
		valid := p.Validate() == nil
		req := QuoteRequest{Quantity: quantity, IncludeSetup: true, PlatformFeePercent: decimal.NewFromInt(20),
			Channel: []ChannelMarkup{{Role: RoleReseller, Markup: Markup{Kind: MarkupPercentage, Value: decimal.NewFromInt(15)}}}}
		if u, err := decimal.NewFromString(usage); err == nil {
			req.Usage = map[string]decimal.Decimal{}
			for _, m := range p.Metrics {
				req.Usage[m.Name] = u
				_, _ = m.Price(u)
				_, _ = p.Usage(m.Name, u)
			}
		}
		q, err := p.Quote(req)
		if err == nil {
			if !valid {
				t.Fatalf("invalid plan quoted: %s", data)
			}
			sum := decimal.Zero
			for _, s := range q.Shares {
				sum = sum.Add(s.Amount)
			}
			if !sum.Equal(q.Total) {
				t.Fatalf("shares %s != total %s", sum, q.Total)
			}
		}
		_, _ = p.Recurring(quantity)
		start := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
		_ = Prorate(decimal.NewFromInt(quantity), p.Currency, start, start.Add(720*time.Hour), start.Add(100*time.Hour))
		if period, _, err := p.Periods(); err == nil {
			_ = period.AddTo(start)
		}
	})
}
