package catalog

import "github.com/mercato-market/mercato/internal/mercato"

// MetaPartnerCenterCommerce is the product metadata that says a Microsoft
// CSP product is sold through Partner Center's legacy commerce ("legacy")
// rather than new commerce (the default). The Microsoft connector reads it.
const MetaPartnerCenterCommerce = "partner_center.commerce"

// NewCommerceWindowDays is new commerce's cancellation window: Microsoft
// takes back a subscription, or seats, only within 7 days of a term's
// start.
const NewCommerceWindowDays = 7

// ValidFor checks the rules prod's kind of product sets on its plans. A
// new-commerce Microsoft CSP plan whose term is longer than its billing
// period (annual commitment, monthly billing) is sold as Microsoft sells it:
// a commitment, with a cancellation window of 1 to 7 days, so that the
// marketplace refuses a decrease or a termination Partner Center would
// refuse, and schedules the termination for the term's end instead
// (internal/ordering, internal/lifecycle).
func (p Plan) ValidFor(prod Product) error {
	if prod.Type != TypeMicrosoftCSP || prod.Metadata[MetaPartnerCenterCommerce] == "legacy" {
		return nil
	}
	period, term, err := p.Pricing.Periods()
	if err != nil || term.Months() <= period.Months() {
		return nil
	}
	var fe mercato.FieldErrors
	window, committed := p.Pricing.Committed()
	switch {
	case !committed:
		fe.Add("pricing.commitment", "a new-commerce Microsoft plan with a %s term billed every %s is a commitment: set commitment to %s", term, period, term)
	case window < 1 || window > NewCommerceWindowDays:
		fe.Add("pricing.cancellation_window_days", "must be between 1 and %d: Microsoft's new commerce cancels, or decreases seats, only within %d days", NewCommerceWindowDays, NewCommerceWindowDays)
	}
	return fe.Err("invalid plan")
}
