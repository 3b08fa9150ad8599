package billing

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Renewal actions at the end of a term.
const (
	RenewalRenew = "renew" // auto-renewing: extended by one term
	RenewalEnd   = "end"   // not renewing: terminated (UNDEPLOY_SENT)
	RenewalNone  = ""      // not yet at its end, or not live
)

// renewable are the statuses a term can end in with something to renew
// or deprovision.
var renewable = map[string]bool{"PENDING": true, "POST_CONFIGURATION": true, "DEPLOYED": true, "STOPPED": true, "FAILED": true}

// RenewalDecision says what happens to s at asOf: nothing before the end
// of its term; at or after it, an auto-renewing paid subscription renews
// (to the first term end after asOf, counted from its anchor, so that a
// term started on the 31st stays on month ends) and any other (including
// an unconverted trial) ends.
func RenewalDecision(s Subscription, asOf time.Time) (action string, newEnd time.Time, err error) {
	if !renewable[s.Status] || s.End.After(asOf) {
		return RenewalNone, time.Time{}, nil
	}
	if s.Type == "SANDBOX" {
		return RenewalNone, time.Time{}, nil
	}
	if !s.AutoRenew || s.Type != "NORMAL" || s.Terminating {
		return RenewalEnd, time.Time{}, nil
	}
	_, term, err := s.Pricing.Periods()
	if err != nil {
		return "", time.Time{}, fmt.Errorf("subscription %d term: %w", s.ID, err)
	}
	return RenewalRenew, TermEnd(TermAnchor(s.Anchor, s.End), term, asOf), nil
}

// TermAnchor is where the terms of a subscription ending at end are counted
// from: its anchor, or its end when it has none (or one after it, which a
// schedule from before the charge ledger may have).
func TermAnchor(anchor, end time.Time) time.Time {
	if anchor.IsZero() || anchor.After(end) {
		return end
	}
	return anchor
}

// Offer is the renewal call-to-action a customer sees ahead of a term's
// end: when, what the next term costs, and whether it renews by itself.
type Offer struct {
	SubscriptionID int64
	Date           time.Time       // the end of the current term
	Price          decimal.Decimal // the next term at the customer's price
	PeriodPrice    decimal.Decimal // one billing period of it
	Periods        int             // billing periods per term
	Currency       string
	AutoRenew      bool
	Action         string // renew or end, what happens on Date
	Due            bool   // Date is within the notice window
	// CurrentPeriodPrice is one period at the version the subscription
	// was sold at (what it pays now); PriceChanges says the next term's
	// period price differs from it (the plan's price or a markup changed
	// since), which the renewal applies on Date.
	CurrentPeriodPrice decimal.Decimal
	PriceChanges       bool
}

// ReasonRenewalNotice is the reason of the Subscription MODIFIED event
// announcing a price the renewal changes.
const ReasonRenewalNotice = "renewal_notice"

// NoticeDays is how long before a term's end the offer is due.
const NoticeDays = 30

// RenewalOffer builds the offer for s given the price of one billing
// period at its customer's price, at instant now.
func RenewalOffer(s Subscription, periodPrice decimal.Decimal, now time.Time) (Offer, error) {
	period, term, err := s.Pricing.Periods()
	if err != nil {
		return Offer{}, err
	}
	n := 1
	if pm, tm := period.Months(), term.Months(); pm > 0 && tm > 0 {
		n = tm / pm
	} else if pd, td := period.Days(), term.Days(); pd > 0 && td > 0 {
		n = td / pd
	}
	o := Offer{SubscriptionID: s.ID, Date: s.End, PeriodPrice: periodPrice, Periods: n, Price: periodPrice.Mul(decimal.NewFromInt(int64(n))),
		Currency: s.Pricing.Currency, AutoRenew: s.AutoRenew, Action: RenewalEnd}
	if s.AutoRenew && s.Type == "NORMAL" && !s.Terminating {
		o.Action = RenewalRenew
	}
	o.Due = !s.End.After(now.AddDate(0, 0, NoticeDays))
	return o, nil
}
