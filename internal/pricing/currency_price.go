package pricing

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// CurrencyPrice is a plan's explicit price in another currency than its
// own: the same model and tiers, other amounts. A customer billed in that
// currency pays it as it is (no conversion); a customer billed in a
// currency the plan has no price in pays the plan's own price converted at
// the operator's exchange rate.
type CurrencyPrice struct {
	Currency   string           `json:"currency" doc:"ISO 4217 currency code, upper case, other than the plan's own" example:"USD"`
	Amount     *decimal.Decimal `json:"amount,omitempty" doc:"Price per period (flat) or per package (package), in this currency's minor unit"`
	UnitAmount *decimal.Decimal `json:"unit_amount,omitempty" doc:"Price of one unit per period (per_unit), up to 6 decimals"`
	Tiers      []Tier           `json:"tiers,omitempty" doc:"The plan's tiers (the same up_to) with prices in this currency (volume and graduated)"`
	SetupFee   *decimal.Decimal `json:"setup_fee,omitempty" doc:"The setup fee in this currency; required when the plan has one"`
}

// In returns the pricing a customer billed in currency pays when p has an
// explicit price in it: p with that currency and those amounts, and
// whether it has one (p's own currency counts as one).
func (p Pricing) In(currency string) (Pricing, bool) {
	if currency == p.Currency {
		return p, true
	}
	for _, c := range p.Prices {
		if c.Currency == currency {
			p.Currency, p.Amount, p.UnitAmount, p.Tiers, p.SetupFee, p.Prices = c.Currency, c.Amount, c.UnitAmount, c.Tiers, c.SetupFee, nil
			return p, true
		}
	}
	return p, false
}

// validatePrices checks p's prices in other currencies: a known currency,
// not the plan's own, once each; the fields of the plan's model and its
// tiers' bounds; a setup fee exactly when the plan has one; amounts in
// the currency's minor unit (unit prices keep up to 6 decimals). A plan
// with usage metrics has none: its usage is converted.
func (p Pricing) validatePrices(fe *mercato.FieldErrors) {
	if len(p.Prices) == 0 {
		return
	}
	if len(p.Metrics) > 0 {
		fe.Add("prices", "a plan with usage metrics is priced in other currencies by the exchange-rate table")
		return
	}
	if len(p.Prices) > len(minorUnits) {
		fe.Add("prices", "at most %d", len(minorUnits))
		return
	}
	seen := map[string]bool{}
	for i, c := range p.Prices {
		prefix := fmt.Sprintf("prices[%d].", i)
		minor, ok := MinorUnits(c.Currency)
		switch {
		case !ok:
			fe.Add(prefix+"currency", "unknown ISO 4217 currency code %q", c.Currency)
		case c.Currency == p.Currency:
			fe.Add(prefix+"currency", "is the plan's own currency")
		case seen[c.Currency]:
			fe.Add(prefix+"currency", "has a price already")
		}
		seen[c.Currency] = true
		validateSpec(fe, prefix, priceSpec{p.Model, c.Amount, c.UnitAmount, p.PackageSize, c.Tiers})
		if len(p.Tiers) > 0 && len(c.Tiers) > 0 {
			if len(c.Tiers) != len(p.Tiers) {
				fe.Add(prefix+"tiers", "must be the plan's %d tiers", len(p.Tiers))
			} else {
				for j, t := range c.Tiers {
					if (t.UpTo == nil) != (p.Tiers[j].UpTo == nil) || t.UpTo != nil && *t.UpTo != *p.Tiers[j].UpTo {
						fe.Add(fmt.Sprintf("%stiers[%d].up_to", prefix, j), "must be the plan's (%s)", upTo(p.Tiers[j].UpTo))
					}
				}
			}
		}
		switch {
		case p.SetupFee != nil && c.SetupFee == nil:
			fe.Add(prefix+"setup_fee", "is required: the plan has a setup fee")
		case p.SetupFee == nil && c.SetupFee != nil:
			fe.Add(prefix+"setup_fee", "does not apply: the plan has no setup fee")
		}
		checkAmount(fe, prefix+"setup_fee", c.SetupFee)
		if !ok {
			continue
		}
		whole := func(path string, d *decimal.Decimal) {
			if d != nil && !d.Equal(d.Truncate(minor)) {
				fe.Add(path, "must have at most %d decimal places in %s", minor, c.Currency)
			}
		}
		whole(prefix+"amount", c.Amount)
		whole(prefix+"setup_fee", c.SetupFee)
		for j, t := range c.Tiers {
			whole(fmt.Sprintf("%stiers[%d].flat_amount", prefix, j), t.FlatAmount)
		}
	}
}

func upTo(n *int64) string {
	if n == nil {
		return "null"
	}
	return fmt.Sprint(*n)
}
