package pricing

import (
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// PriceListEntry is a distributor's or reseller's markup on a plan, one
// entry of its price list.
type PriceListEntry struct {
	OrganizationID int64
	PlanID         int64
	Markup         Markup
}

// Validate checks the entry's markup with paths relative to it ("kind",
// "value"), as a quote checks the markups of its channel, so that an entry
// saved is one every later quote accepts.
func (e PriceListEntry) Validate() error {
	var fe mercato.FieldErrors
	e.Markup.validate(&fe, "")
	return fe.Err("invalid price")
}

// ValidateFor checks the entry against the plan it marks up, p, and the
// markups of the levels beneath it (the distributor's for a reseller; none
// for a distributor or a reseller of the platform, which buy at the
// vendor's price): the markup must fit the plan's model, and the price it
// makes must be neither below the price it buys at (a fixed price under
// it) nor beyond the bounds of an amount. These are the refusals a quote
// would otherwise meet at billing time; checked when the entry is set,
// nothing is sold at a price that cannot be billed. Paths are relative to
// the entry.
func (e PriceListEntry) ValidateFor(p Pricing, beneath []Markup) error {
	if err := e.Validate(); err != nil {
		return err
	}
	var fe mercato.FieldErrors
	if msg := e.Markup.FitsModel(p.Model); msg != "" {
		fe.Add("kind", "%s", msg)
		return fe.Err("invalid price")
	}
	bought, ok := p.unitPrice()
	if !ok {
		// Tiered and package plans take percentages and values only,
		// which never price below what they mark up; their bounds are
		// those of every amount the plan's tiers hold.
		bought = p.highestAmount()
	}
	for _, m := range beneath {
		bought = m.applyTo(bought)
	}
	sold := e.Markup.applyTo(bought)
	switch {
	case sold.LessThan(bought):
		fe.Add("value", "the price %s is below the %s it buys at", sold, bought)
	case checkDecimal(sold.RoundBank(maxAmountDecimals), maxAmountDecimals, maxAmountIntDigits) != "":
		fe.Add("value", "prices the plan at %s, beyond the largest amount (below 1e%d)", sold.RoundBank(maxAmountDecimals), maxAmountIntDigits)
	}
	return fe.Err("invalid price")
}

// unitPrice returns the price a fixed markup replaces: the period's amount
// of a flat plan, the unit price of a per-unit one; false for the others.
func (p Pricing) unitPrice() (decimal.Decimal, bool) {
	switch p.Model {
	case ModelFlat:
		return orZero(p.Amount), true
	case ModelPerUnit:
		return orZero(p.UnitAmount), true
	}
	return decimal.Zero, false
}

// highestAmount returns the largest amount of a plan's recurring price
// (its package amount, or a tier's unit or flat amount), which a markup
// scales or adds to.
func (p Pricing) highestAmount() decimal.Decimal {
	high := orZero(p.Amount)
	for _, t := range p.Tiers {
		high = decimal.Max(high, orZero(t.UnitAmount), orZero(t.FlatAmount))
	}
	return high
}

// applyTo returns price as m marks it up, unrounded but for the six
// decimals a percentage keeps of a unit price: what [Markup.apply] makes
// of a unit or period price.
func (m Markup) applyTo(price decimal.Decimal) decimal.Decimal {
	switch m.Kind {
	case MarkupPercentage:
		return price.Mul(decimal.NewFromInt(1).Add(m.Value.Shift(-2))).RoundBank(maxAmountDecimals)
	case MarkupFixed:
		return m.Value
	case MarkupValue:
		return price.Add(m.Value)
	}
	return price
}

// MarkedUp is a price-list entry with the markups of the levels beneath
// it (its distributor's, for a distributor's reseller): what
// [PriceListEntry.ValidateFor] checks it against.
type MarkedUp struct {
	Entry   PriceListEntry
	Beneath []Markup
}
