package pricing

import (
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// ChannelParty is a distributor or reseller in the chain above a customer,
// with the entry its price list has for a plan.
type ChannelParty struct {
	OrganizationID int64
	Kind           mercato.OrgKind
	Markup         *Markup // nil: no price for the plan
}

// ChannelPrices is what is stored about a plan's channel above a customer
// or a reseller: the operator's fee on the vendor's sales and the parties
// with their price-list entries.
type ChannelPrices struct {
	FeePercent  decimal.Decimal
	Reseller    *ChannelParty // nil: sold by the platform directly
	Distributor *ChannelParty // nil: the reseller belongs to the platform
	// NotSold: the reseller's distributor curates what it sells
	// (catalog.Curation) and leaves this plan out, so no new sale of it
	// goes through the reseller; what was sold before still renews.
	NotSold bool
}

// Markups returns the chain's markups, the distributor's first, then the
// reseller's. A party without a price for the plan sells at the price it
// buys at. resellerID is the reseller the price was asked through (0: the
// customer's own), so that a missing one is reported rather than priced
// as a direct sale.
func (c ChannelPrices) Markups(resellerID int64) ([]ChannelMarkup, error) {
	if c.Reseller == nil {
		if resellerID != 0 {
			return nil, mercato.Invalid("invalid quote", mercato.FieldError{Path: "reseller_id", Message: "no such reseller", Value: resellerID})
		}
		return nil, nil // sold by the platform directly
	}
	if c.Reseller.Kind != mercato.KindReseller {
		return nil, mercato.Invalid("invalid quote", mercato.FieldError{Path: "reseller_id", Message: "is not a reseller", Value: c.Reseller.OrganizationID})
	}
	markup := func(role string, p ChannelParty) ChannelMarkup {
		m := ChannelMarkup{Role: role, OrganizationID: p.OrganizationID, Markup: Markup{Kind: MarkupPercentage}}
		if p.Markup != nil {
			m.Markup = *p.Markup
		}
		return m
	}
	var out []ChannelMarkup
	if c.Distributor != nil {
		out = append(out, markup(RoleDistributor, *c.Distributor))
	}
	return append(out, markup(RoleReseller, *c.Reseller)), nil
}
