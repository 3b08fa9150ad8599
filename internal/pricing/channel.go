package pricing

import (
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/shopspring/decimal"
)

// Markup kinds.
const (
	MarkupPercentage = "percentage" // every line × (1 + value/100)
	MarkupFixed      = "fixed"      // the recurring price becomes value
	MarkupValue      = "value"      // value is added to the recurring price
)

// maxMarkupPercent bounds a percentage markup: ten times the price it buys
// at is beyond any margin sold in practice, and a bound keeps a slip of the
// keyboard (20000 for 20.000) from pricing anything at all.
var maxMarkupPercent = decimal.NewFromInt(1000)

// Roles in a revenue split.
const (
	RoleVendor      = "vendor"
	RolePlatform    = "platform"
	RoleDistributor = "distributor"
	RoleReseller    = "reseller"
)

// Markup is how a channel party derives its price from the previous
// level's (Cloudesire's PERCENTAGE and VALUE markups).
//
// A percentage markup multiplies every line (recurring, setup, usage) by
// 1 + Value/100, rounding each line again.
//
// A fixed markup replaces the recurring price and leaves setup and usage
// lines as they are: on a flat plan the period's amount becomes Value, on
// a per-unit plan the unit price does. It has no meaning on the volume,
// graduated and package models, whose price is not one per unit: replacing
// their tiers or packages by one unit price would silently turn them into
// per-unit plans, so a fixed markup on them is refused (see
// [Markup.FitsModel]); a percentage or a value markup keeps their shape.
//
// A value markup (Cloudesire's VALUE) adds Value to the price of each
// thing the recurring lines count: the period on a flat plan, a package on
// a package plan, a unit on every other (each tier's unit price on a tiered
// one); setup and usage lines are left as they are.
type Markup struct {
	Kind  string          `json:"kind" enum:"percentage,fixed,value" doc:"percentage of the previous level's price, a fixed recurring price (flat and per-unit plans), or a value added to it"`
	Value decimal.Decimal `json:"value" doc:"Percent (20 means +20%, at most 1000), the fixed price (per period for flat plans, per unit for per-unit ones) or the amount added (per period, package or unit), a decimal string"`
}

// ChannelMarkup is one intermediary of the sales chain and its markup.
type ChannelMarkup struct {
	Role           string `json:"role" enum:"distributor,reseller" doc:"Position in the chain"`
	OrganizationID int64  `json:"organization_id,omitempty" doc:"The distributor's or reseller's organization"`
	Markup         Markup `json:"markup" doc:"How this party prices from the previous level"`
}

// Share is one party's part of a quote's total.
//
// The vendor gets the vendor-level total × (1 − fee/100), rounded; the
// platform gets the rest of the vendor-level total; each channel party gets
// its level's total minus the previous level's. The shares therefore add
// up to the quote's total exactly. Vendor and platform shares are always
// present, then one share per channel party, in chain order.
type Share struct {
	Role           string          `json:"role" enum:"vendor,platform,distributor,reseller" doc:"Who receives the amount"`
	OrganizationID int64           `json:"organization_id,omitempty" doc:"The receiving organization; absent for the platform"`
	Amount         decimal.Decimal `json:"amount" doc:"Amount in the quote's currency, a decimal string"`
}

// Validate checks m with paths relative to the markup ("value").
func (m Markup) Validate() error {
	var fe mercato.FieldErrors
	m.validate(&fe, "")
	return fe.Err("invalid markup")
}

func (m Markup) validate(fe *mercato.FieldErrors, prefix string) {
	switch m.Kind {
	case MarkupPercentage, MarkupFixed, MarkupValue:
	case "":
		fe.Add(prefix+"kind", "is required")
	default:
		fe.Add(prefix+"kind", "must be percentage, fixed or value")
	}
	if msg := checkDecimal(m.Value, maxAmountDecimals, maxAmountIntDigits); msg != "" {
		fe.Add(prefix+"value", "%s", msg)
	} else if m.Kind == MarkupPercentage && m.Value.GreaterThan(maxMarkupPercent) {
		fe.Add(prefix+"value", "must be at most %s (percent)", maxMarkupPercent)
	}
}

// FitsModel reports why m cannot mark up a plan of model, or "": a fixed
// price replaces one per period or per unit, which only the flat and
// per-unit models have.
func (m Markup) FitsModel(model Model) string {
	if m.Kind == MarkupFixed && model != ModelFlat && model != ModelPerUnit {
		return fmt.Sprintf("a fixed price applies to flat and per-unit plans only, not to a %s plan; use a percentage or a value", model)
	}
	return ""
}

// validateChannel checks the roles, their order and the markups, and that
// each markup applies to the plan's model.
func validateChannel(fe *mercato.FieldErrors, chain []ChannelMarkup, model Model) {
	sawReseller := false
	for i, c := range chain {
		prefix := fmt.Sprintf("channel[%d].", i)
		switch c.Role {
		case RoleDistributor:
			if sawReseller {
				fe.Add(prefix+"role", "a distributor cannot follow a reseller in the chain")
			}
		case RoleReseller:
			sawReseller = true
		default:
			fe.Add(prefix+"role", "must be distributor or reseller")
		}
		c.Markup.validate(fe, prefix+"markup.")
		if msg := c.Markup.FitsModel(model); msg != "" {
			fe.Add(prefix+"markup.kind", "%s", msg)
		}
	}
}

// apply returns the lines priced by the next level of the chain. The
// model, quantity and unit are the plan's, needed by a fixed markup.
func (m Markup) apply(lines []draft, model Model, quantity int64, unit string, minor int32) []draft {
	out := make([]draft, 0, len(lines))
	switch m.Kind {
	case MarkupPercentage:
		factor := decimal.NewFromInt(1).Add(m.Value.Shift(-2))
		for _, d := range lines {
			// The rounded amount is scaled, not quantity × the scaled unit,
			// because a tier line's amount includes its flat amount.
			d.amount = round(d.amount.Mul(factor), minor)
			d.unit = d.unit.Mul(factor).RoundBank(maxAmountDecimals)
			d.flat = d.flat.Mul(factor).RoundBank(maxAmountDecimals)
			out = append(out, d)
		}
	case MarkupFixed:
		// Only flat and per-unit plans take a fixed price (FitsModel), and
		// they price in one recurring line.
		for _, d := range lines {
			if d.kind != KindRecurring {
				out = append(out, d)
				continue
			}
			if model == ModelFlat {
				out = append(out, draft{kind: KindRecurring, label: "Recurring fee", qty: decimal.NewFromInt(1), unit: m.Value, amount: round(m.Value, minor)})
				continue
			}
			if unit == "" {
				unit = "unit"
			}
			q := decimal.NewFromInt(quantity)
			out = append(out, draft{kind: KindRecurring, label: labeler{unit: unit}.quantity(q), times: true, qty: q, unit: m.Value, amount: round(q.Mul(m.Value), minor)})
		}
	case MarkupValue:
		for _, d := range lines {
			if d.kind == KindRecurring {
				// A line's quantity counts what its unit price is for: the
				// period (1) on a flat plan, packages, or units.
				d.unit = d.unit.Add(m.Value)
				d.amount = round(d.amount.Add(d.qty.Mul(m.Value)), minor)
			}
			out = append(out, d)
		}
	default:
		out = append(out, lines...) // unreachable: markups are validated
	}
	return out
}
