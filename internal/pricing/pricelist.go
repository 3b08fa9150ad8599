package pricing

import "github.com/mercato-market/mercato/internal/mercato"

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
