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
)

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
// A fixed markup sets the recurring price and leaves setup and usage
// lines as they are: on a flat plan the period's amount becomes Value; on
// every other model the unit price becomes Value and the recurring lines
// collapse into one, Value × quantity.
type Markup struct {
	Kind  string          `json:"kind" enum:"percentage,fixed" doc:"percentage of the previous level's price, or a fixed recurring price"`
	Value decimal.Decimal `json:"value" doc:"Percent (20 means +20%) or the fixed price (per period for flat plans, per unit otherwise), a decimal string"`
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
	case MarkupPercentage, MarkupFixed:
	case "":
		fe.Add(prefix+"kind", "is required")
	default:
		fe.Add(prefix+"kind", "must be percentage or fixed")
	}
	if msg := checkDecimal(m.Value, maxAmountDecimals, maxAmountIntDigits); msg != "" {
		fe.Add(prefix+"value", "%s", msg)
	}
}

// validateChannel checks the roles, their order and the markups.
func validateChannel(fe *mercato.FieldErrors, chain []ChannelMarkup) {
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
		replaced := false
		for _, d := range lines {
			if d.kind != KindRecurring {
				out = append(out, d)
				continue
			}
			if replaced {
				continue // the recurring lines collapse into the first
			}
			replaced = true
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
	default:
		out = append(out, lines...) // unreachable: markups are validated
	}
	return out
}
