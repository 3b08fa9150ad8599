// Package charging holds the rules of the charge ledger that the services
// which sell (internal/ordering, internal/lifecycle) and the billing run
// (internal/billingrun) share: what each priced event charges, at which
// price version, and when a charge may be invoiced.
//
//   - A NEW order charges the first period of a paid subscription, with the
//     setup fee; a trial is charged from the end of its trial once it is
//     converted to paid; a sandbox never.
//   - The periods of a term are charged as they begin, at the version the
//     subscription was last sold at (its schedule's), never at the catalog
//     or the price lists of that later day.
//   - A CHANGE first charges, at the old version, the periods begun before
//     it, then the difference of the new and the old price of a period
//     (both through the channel at that moment), prorated over what is
//     already charged; the new version applies to the periods after.
//   - A downgrade (a CHANGE whose period costs less through the channel:
//     fewer seats, a cheaper plan) charges nothing and takes effect when the
//     periods already charged end (Cloudesire's rule): the schedule keeps
//     it as its scheduled version, which the first period from then is
//     charged at (and the subscription takes its plan and quantity), unless
//     it is cancelled or another change supersedes it before.
//   - A RENEWAL charges the rest of the term it closes at the old version,
//     then its own periods at the new one.
//   - A coupon a NEW order redeemed is kept on the schedule (its terms) and
//     takes its discount off the recurring charge of each period while its
//     duration lasts (once, N periods, forever), as a discount line borne
//     by the coupon's granter in the split (internal/coupon); a
//     percentage also comes off an upgrade's prorated charge in a period it
//     discounted, and a RENEWAL order shows it while it lasts.
//   - A charge is held until the subscription is first delivered
//     (DEPLOYED), unless the subscription waits for its payment (its
//     invoice is how it is paid); a subscription that ends undelivered has
//     every charge not invoiced voided, one that ends delivered those of
//     the periods it does not reach.
//
// Every function runs inside the caller's transaction, over the repository
// interface Tx, which internal/store implements.
package charging

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Tx is the repository of the charge ledger inside a transaction.
type Tx interface {
	Now() time.Time
	InsertChargeSchedule(ctx context.Context, sc billing.Schedule) error
	ChargeSchedule(ctx context.Context, subID int64) (billing.Schedule, error)
	SaveChargeSchedule(ctx context.Context, sc billing.Schedule) error
	InsertCharges(ctx context.Context, charges []billing.Charge) error
	ReleaseCharges(ctx context.Context, subID int64) error
	// VoidCharges voids the charges not invoiced yet whose period starts
	// after from (the zero time: all of them).
	VoidCharges(ctx context.Context, subID int64, from time.Time, reason string) error
}

// maxPeriods bounds the periods one call charges (a daily plan after years
// without a billing run), so that a broken schedule cannot loop.
const maxPeriods = 10000

// Of is what charging needs to know of a subscription.
func Of(sub subscription.Subscription) billing.Subscription {
	return billing.Subscription{ID: sub.ID, CustomerID: sub.CustomerID, Type: string(sub.Type), Status: string(sub.Status),
		AutoRenew: sub.AutoRenew, Quantity: sub.Quantity, End: sub.EndDate, Terminating: sub.TerminateAt != nil}
}

// Through charges the periods of sub that have begun by until and start
// within its term (before sub.End), at the schedule's version, the first
// of all (nothing charged yet) with its setup fee; it advances
// sc.ChargedUntil and returns the charges for the caller to write. A
// schedule without an anchor (a trial, a sandbox) charges nothing.
func Through(pr *billing.Pricer, sub billing.Subscription, sc *billing.Schedule, until time.Time, orderID int64) ([]billing.Charge, error) {
	if sc.Anchor.IsZero() {
		return nil, nil
	}
	v, err := pr.Version(sc.Version)
	if err != nil {
		return nil, err
	}
	period, _, err := v.Pricing.Periods()
	if err != nil {
		return nil, fmt.Errorf("subscription %d: %w", sub.ID, err)
	}
	state := billing.InitialState(sub.Status, !sc.DeliveredAt.IsZero())
	var out []billing.Charge
	for range maxPeriods {
		from, first := sc.ChargedUntil, sc.ChargedUntil.IsZero()
		if first {
			from = sc.Anchor
		}
		if from.After(until) || !from.Before(sub.End) {
			break
		}
		w := billing.WindowAt(sc.Anchor, period, from)
		if !w.From.Equal(from) {
			// A schedule from before the ledger whose last billed period
			// ended off its anchor: its periods go on from there.
			sc.Anchor = from
			w = billing.WindowAt(from, period, from)
		}
		if sc.Scheduled != "" && !w.From.Before(sc.ScheduledFrom) {
			// A scheduled downgrade applies from the first period it reaches.
			if v, err = pr.Version(sc.Scheduled); err != nil {
				return nil, err
			}
			sc.Version, sc.Scheduled, sc.ScheduledFrom = sc.Scheduled, "", time.Time{}
		}
		charges, err := pr.Period(sub.ID, v, w, first)
		if err != nil {
			return nil, err
		}
		if err := discount(sc, charges); err != nil {
			return nil, fmt.Errorf("subscription %d: %w", sub.ID, err)
		}
		if sc.Custom != "" {
			// The provider's recurring custom lines, with every period, in
			// the currency the period is charged in (the customer's).
			custom, err := billing.ParseCustomLines(sc.Custom)
			if err != nil {
				return nil, fmt.Errorf("subscription %d: %w", sub.ID, err)
			}
			currency := v.Pricing.Currency
			if len(charges) > 0 {
				currency = charges[0].Currency
			}
			if len(custom) > 0 {
				charges = append(charges, billing.CustomCharge(sub.ID, sub.CustomerID, billing.KindCustomRecurring, "", v, custom, currency, w, w.From))
			}
		}
		for i := range charges {
			charges[i].CustomerID, charges[i].OrderID, charges[i].State = sub.CustomerID, orderID, state
		}
		out = append(out, charges...)
		sc.ChargedUntil = w.To
	}
	return out, nil
}

// discount takes the coupon the subscription was sold with (if any, and
// while its duration lasts) off the recurring charge of a period, as a
// discount line borne by the coupon's granter in the split, and counts the
// period.
func discount(sc *billing.Schedule, charges []billing.Charge) error {
	if sc.Coupon == "" {
		return nil
	}
	var t coupon.Terms
	if err := json.Unmarshal([]byte(sc.Coupon), &t); err != nil {
		return fmt.Errorf("decode coupon: %w", err)
	}
	for i := range charges {
		if charges[i].Kind != pricing.KindRecurring || !t.Lasts(sc.CouponPeriods) {
			continue
		}
		line, shares, ok, err := t.Discount(charges[i].Lines, charges[i].Shares, charges[i].Currency)
		if err != nil {
			return err
		}
		if ok {
			charges[i].Lines, charges[i].Shares = append(charges[i].Lines, line), shares
		}
		sc.CouponPeriods++
	}
	return nil
}

// terms decodes the coupon terms a schedule keeps (nil: none).
func terms(sc billing.Schedule) (*coupon.Terms, error) {
	if sc.Coupon == "" {
		return nil, nil
	}
	var t coupon.Terms
	if err := json.Unmarshal([]byte(sc.Coupon), &t); err != nil {
		return nil, fmt.Errorf("decode coupon: %w", err)
	}
	return &t, nil
}

// discountsPeriod reports whether the coupon t discounts the period
// starting at from of a schedule anchored at anchor: its periods are
// charged in order from the anchor, and the coupon lasts for the first
// ones (once, N, or all of them).
func discountsPeriod(t *coupon.Terms, anchor time.Time, period pricing.Period, from time.Time) bool {
	return t != nil && t.Lasts(billing.PeriodIndex(anchor, period, from))
}

// discountChanges takes the coupon the subscription was sold with off the
// prorated charge of an upgrade in each period (windows[i] is changes[i]'s)
// that the coupon discounts, as it came off the period's own charge: a
// discount line borne by the granter. An expired coupon (its periods used)
// takes nothing, nor does an amount off (the period had it once).
func discountChanges(sc billing.Schedule, period pricing.Period, changes []billing.Charge, windows []billing.Window) error {
	t, err := terms(sc)
	if err != nil || t == nil {
		return err
	}
	for i := range changes {
		if i >= len(windows) || !discountsPeriod(t, sc.Anchor, period, windows[i].From) {
			continue
		}
		line, shares, ok, err := t.ChangeDiscount(changes[i].Lines, changes[i].Shares, changes[i].Currency)
		if err != nil {
			return err
		}
		if ok {
			changes[i].Lines, changes[i].Shares = append(changes[i].Lines, line), shares
		}
	}
	return nil
}

// RenewalQuote returns q, the price of the first period of a term that
// starts at from (a RENEWAL order's lines and total), with the discount of
// the coupon the subscription was sold with when the coupon still lasts
// for that period, as charging the period will take it.
func RenewalQuote(sc billing.Schedule, v billing.Version, q pricing.Quote, from time.Time) (pricing.Quote, error) {
	t, err := terms(sc)
	if err != nil || t == nil || sc.Anchor.IsZero() {
		return q, err
	}
	period, _, err := v.Pricing.Periods()
	if err != nil {
		return q, err
	}
	if !discountsPeriod(t, sc.Anchor, period, from) {
		return q, nil
	}
	line, shares, ok, err := t.Discount(q.Lines, q.Shares, q.Currency)
	if err != nil || !ok {
		return q, err
	}
	q.Lines = append(append([]pricing.Line(nil), q.Lines...), line)
	q.Shares, q.Total, q.Coupon = shares, pricing.Total(q.Lines), t.Code
	return q, nil
}

// write saves a schedule and inserts charges.
func write(ctx context.Context, tx Tx, sc billing.Schedule, charges []billing.Charge) error {
	if err := tx.SaveChargeSchedule(ctx, sc); err != nil {
		return err
	}
	if len(charges) == 0 {
		return nil
	}
	return tx.InsertCharges(ctx, charges)
}

// Open starts the schedule of a subscription a NEW order sold at v: a paid
// subscription is charged its first period with the setup fee at once; a
// trial or a sandbox nothing. A coupon redeemed by the order (terms; nil:
// none) discounts its periods while it lasts. It returns the charges,
// whose total is the order's.
func Open(ctx context.Context, tx Tx, pr *billing.Pricer, sub subscription.Subscription, v billing.Version, orderID int64, terms *coupon.Terms) ([]billing.Charge, error) {
	raw, err := v.JSON()
	if err != nil {
		return nil, err
	}
	sc := billing.Schedule{SubscriptionID: sub.ID, Version: raw}
	if terms != nil {
		b, err := json.Marshal(terms)
		if err != nil {
			return nil, fmt.Errorf("encode coupon: %w", err)
		}
		sc.Coupon = string(b)
	}
	if sub.Type == subscription.TypeNormal {
		sc.Anchor = sub.StartDate
	}
	charges, err := Through(pr, Of(sub), &sc, sub.StartDate, orderID)
	if err != nil {
		return nil, err
	}
	if err := tx.InsertChargeSchedule(ctx, sc); err != nil {
		return nil, err
	}
	if len(charges) == 0 {
		return nil, nil
	}
	return charges, tx.InsertCharges(ctx, charges)
}

// Convert charges a trial converted to paid at v: its paid periods start
// at the end of its trial (sub.EndDate), the first with the setup fee,
// charged at once; sub.EndDate becomes the end of its first term (or of
// the term that holds now, converted after its trial ended).
func Convert(ctx context.Context, tx Tx, pr *billing.Pricer, sub *subscription.Subscription, v billing.Version) error {
	sc, err := tx.ChargeSchedule(ctx, sub.ID)
	if err != nil {
		return err
	}
	_, term, err := v.Pricing.Periods()
	if err != nil {
		return err
	}
	if sc.Version, err = v.JSON(); err != nil {
		return err
	}
	anchor := sub.EndDate
	until := later(tx.Now(), anchor)
	sc.Anchor, sc.ChargedUntil = anchor, time.Time{}
	sub.EndDate = billing.TermEnd(anchor, term, until)
	charges, err := Through(pr, Of(*sub), &sc, until, 0)
	if err != nil {
		return err
	}
	return write(ctx, tx, sc, charges)
}

// Sale is what a CHANGE sells, priced before its order is written (the
// order shows its total).
type Sale struct {
	sc      billing.Schedule
	charges []billing.Charge // the periods begun before the change, at the old version
	Changes []billing.Charge // the change's own: the order's total
	// Scheduled is when a downgrade takes effect (the end of the periods
	// charged); zero: the change holds at once.
	Scheduled time.Time
}

// Total is what the change costs now.
func (s Sale) Total() decimal.Decimal {
	total := decimal.Zero
	for _, c := range s.Changes {
		total = total.Add(c.Total())
	}
	return total
}

// Write writes the sale's charges, the change's own with its order.
func (s Sale) Write(ctx context.Context, tx Tx, orderID int64) error {
	for i := range s.Changes {
		s.Changes[i].OrderID = orderID
		s.Changes[i].Ref = strconv.FormatInt(orderID, 10)
	}
	return write(ctx, tx, s.sc, append(s.charges, s.Changes...))
}

// Change prices a CHANGE from what sub had (before) to what it has (after),
// both priced at this moment: the periods begun before it at the
// schedule's version, then the difference prorated over the periods
// already charged from now on (none during a free trial); after is the
// version of the periods to come.
//
// A change scheduled for renewal (at not zero: the term's end) is neither
// charged nor refunded: after takes effect at at, whichever the direction.
func Change(ctx context.Context, tx Tx, pr *billing.Pricer, sub subscription.Subscription, before, after billing.Version, at time.Time) (Sale, error) {
	sc, err := tx.ChargeSchedule(ctx, sub.ID)
	if err != nil {
		return Sale{}, err
	}
	if err := orVersion(pr, &sc, before); err != nil {
		return Sale{}, err
	}
	now := tx.Now()
	bs := Of(sub)
	sale := Sale{}
	if sale.charges, err = Through(pr, bs, &sc, now, 0); err != nil {
		return Sale{}, err
	}
	// A change supersedes a downgrade scheduled before it (one already due
	// was applied by Through, and the caller priced before from it).
	sc.Scheduled, sc.ScheduledFrom = "", time.Time{}
	if !at.IsZero() {
		if sc.Scheduled, err = after.JSON(); err != nil {
			return Sale{}, err
		}
		sc.ScheduledFrom, sale.Scheduled = at, at
		sale.sc = sc
		return sale, nil
	}
	if !sc.Anchor.IsZero() && sc.ChargedUntil.After(now) {
		period, _, err := after.Pricing.Periods()
		if err != nil {
			return Sale{}, err
		}
		bq, err := pr.Quote(before, false)
		if err != nil {
			return Sale{}, err
		}
		aq, err := pr.Quote(after, false)
		if err != nil {
			return Sale{}, err
		}
		if aq.Total.LessThan(bq.Total) {
			// A downgrade: what is charged stays as sold, and the periods
			// after are charged at the new version.
			if sc.Scheduled, err = after.JSON(); err != nil {
				return Sale{}, err
			}
			sc.ScheduledFrom, sale.Scheduled = sc.ChargedUntil, sc.ChargedUntil
			sale.sc = sc
			return sale, nil
		}
		var windows []billing.Window
		for w := billing.WindowAt(sc.Anchor, period, later(now, sc.Anchor)); w.From.Before(sc.ChargedUntil) && len(windows) < maxPeriods; w = billing.WindowAt(sc.Anchor, period, w.To) {
			windows = append(windows, w)
		}
		if sale.Changes, err = billing.Changes(sub.ID, 0, after, bq, aq, windows, now); err != nil {
			return Sale{}, err
		}
		if err := converted(pr, sale.Changes, sub.ID, before, after, windows, now); err != nil {
			return Sale{}, err
		}
		if err := discountChanges(sc, period, sale.Changes, windows); err != nil {
			return Sale{}, fmt.Errorf("subscription %d: %w", sub.ID, err)
		}
		state := billing.InitialState(bs.Status, !sc.DeliveredAt.IsZero())
		for i := range sale.Changes {
			sale.Changes[i].CustomerID, sale.Changes[i].State = sub.CustomerID, state
		}
	}
	if sc.Version, err = after.JSON(); err != nil {
		return Sale{}, err
	}
	sale.sc = sc
	return sale, nil
}

// converted records on the charges of a change sold in another currency
// than its plan's what each prorated difference was in the plan's currency.
func converted(pr *billing.Pricer, changes []billing.Charge, subID int64, before, after billing.Version, windows []billing.Window, now time.Time) error {
	if after.Rate == nil || len(changes) == 0 {
		return nil
	}
	bo, err := pr.Original(before, false)
	if err != nil {
		return err
	}
	ao, err := pr.Original(after, false)
	if err != nil {
		return err
	}
	orig, err := billing.Changes(subID, 0, after.In(nil), bo, ao, windows, now)
	if err != nil {
		return err
	}
	for i := range changes {
		amount := decimal.Zero
		if i < len(orig) {
			amount = orig[i].Total()
		}
		changes[i].Converted = after.Conversion(amount)
	}
	return nil
}

// Renew charges a RENEWAL order that sold sub's next term at v (sub.EndDate
// is already its new end; oldEnd the end of the term it renews), at the
// instant at: the periods of the old term begun by then at the old
// version, then at v those of the new term begun by then or, renewed ahead
// of a term charged to its end, the first period of the new term at once.
func Renew(ctx context.Context, tx Tx, pr *billing.Pricer, sub subscription.Subscription, oldEnd time.Time, v billing.Version, orderID int64, at time.Time) error {
	sc, err := tx.ChargeSchedule(ctx, sub.ID)
	if err != nil {
		return err
	}
	if err := orVersion(pr, &sc, v); err != nil {
		return err
	}
	old := Of(sub)
	old.End = oldEnd
	charges, err := Through(pr, old, &sc, at, 0)
	if err != nil {
		return err
	}
	if sc.Version, err = v.JSON(); err != nil {
		return err
	}
	// A downgrade scheduled within the term renewed is in v: the caller
	// renewed the plan and quantity it gave sub (Apply at the term's end).
	sc.Scheduled, sc.ScheduledFrom = "", time.Time{}
	until := at
	if sc.ChargedUntil.Equal(oldEnd) && oldEnd.After(at) {
		until = oldEnd
	}
	sold, err := Through(pr, Of(sub), &sc, until, orderID)
	if err != nil {
		return err
	}
	return write(ctx, tx, sc, append(charges, sold...))
}

// Apply gives sub the plan and quantity of the downgrade scheduled on sc
// if it is due by at, and reports whether it did: a subscription is
// changed, sold or renewed from what it has once its period ended, even
// before a billing run charged the period its downgrade begins.
func Apply(pr *billing.Pricer, sub *subscription.Subscription, sc billing.Schedule, at time.Time) (bool, error) {
	if sc.Scheduled == "" || sc.ScheduledFrom.After(at) {
		return false, nil
	}
	v, err := pr.Version(sc.Scheduled)
	if err != nil {
		return false, err
	}
	sub.PlanID, sub.Quantity = v.PlanID, v.Quantity
	return true, nil
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// orVersion gives a schedule written before the charge ledger, which
// records no version, the version v of this moment.
func orVersion(pr *billing.Pricer, sc *billing.Schedule, v billing.Version) error {
	cur, err := pr.Version(sc.Version)
	if err != nil || !cur.IsZero() {
		return err
	}
	sc.Version, err = v.JSON()
	return err
}

// Rates is what pricing in the customer's currency reads: the currency an
// organization is billed in and the operator's exchange-rate table.
type Rates interface {
	// OrganizationCurrency returns the currency an organization is billed in.
	OrganizationCurrency(ctx context.Context, orgID int64) (string, error)
	// ExchangeRate returns the rate of the pair (base, quote) valid on the
	// day of at (the latest from that day or before), and whether there
	// is one.
	ExchangeRate(ctx context.Context, base, quote string, at time.Time) (pricing.ExchangeRate, bool, error)
}

// Priced returns the pricing p sells at to customerID, in its currency,
// and the rate that converts it (nil: none): p's explicit price in the
// customer's currency when it has one, else p converted at the rate valid
// at (see Rate).
func Priced(ctx context.Context, r Rates, p pricing.Pricing, customerID int64, at time.Time) (pricing.Pricing, *pricing.ExchangeRate, error) {
	to, err := r.OrganizationCurrency(ctx, customerID)
	if err != nil {
		return p, nil, err
	}
	if own, ok := p.In(to); ok {
		return own, nil, nil
	}
	rate, err := Rate(ctx, r, customerID, p.Currency, at)
	return p, rate, err
}

// Rate returns the rate that converts a price in currency from to the
// currency customerID is billed in, valid at the instant at: nil when it is
// billed in from; the table's rate of the pair, or the inverse of the
// rate of the opposite pair. No rate is an invalid request naming
// "currency": a customer is never billed in another currency than its own.
func Rate(ctx context.Context, r Rates, customerID int64, from string, at time.Time) (*pricing.ExchangeRate, error) {
	to, err := r.OrganizationCurrency(ctx, customerID)
	if err != nil {
		return nil, err
	}
	if to == "" || to == from {
		return nil, nil
	}
	rate, ok, err := r.ExchangeRate(ctx, from, to, at)
	if err != nil {
		return nil, err
	}
	if !ok {
		inv, found, err := r.ExchangeRate(ctx, to, from, at)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, mercato.Invalid("no exchange rate", mercato.FieldError{Path: "currency",
				Message: fmt.Sprintf("the customer is billed in %s and the plan is priced in %s: no exchange rate from %s to %s is valid on %s",
					to, from, from, to, at.UTC().Format(time.DateOnly)), Value: to})
		}
		rate = inv.Inverse()
	}
	return &rate, nil
}

// InCurrency returns v sold to customerID at the instant at: at the plan's
// explicit price in the customer's currency when it has one (recorded in
// the version as such: PlanCurrency, no rate), else converted to the
// customer's currency at the rate valid then (see Rate).
func InCurrency(ctx context.Context, r Rates, v billing.Version, customerID int64, at time.Time) (billing.Version, error) {
	to, err := r.OrganizationCurrency(ctx, customerID)
	if err != nil {
		return v, err
	}
	if p, ok := v.Pricing.In(to); ok && to != v.Pricing.Currency {
		v.PlanCurrency, v.Pricing = v.Pricing.Currency, p
		return v.In(nil), nil
	}
	rate, err := Rate(ctx, r, customerID, v.Pricing.Currency, at)
	if err != nil {
		return v, err
	}
	return v.In(rate), nil
}

// Voiding reasons.
const (
	ReasonUndelivered = "the subscription ended before it was delivered"
	ReasonNotReached  = "the subscription ended before this period"
)

// Transition applies a subscription's move from status before to after to
// its charges: delivered for the first time, its held charges open; ended
// (terminated, rejected, expired), its charges not invoiced are void: all
// of them if it was never delivered, otherwise those of the periods it
// does not reach.
func Transition(ctx context.Context, tx Tx, subID int64, before, after subscription.Status) error {
	delivered := after == subscription.Deployed && before != subscription.Deployed
	ended := subscription.Changeable(before) && !subscription.Changeable(after)
	if !delivered && !ended {
		return nil
	}
	sc, err := tx.ChargeSchedule(ctx, subID)
	if err != nil {
		return err
	}
	now := tx.Now()
	switch {
	case delivered && sc.DeliveredAt.IsZero():
		sc.DeliveredAt = now
		if err := tx.SaveChargeSchedule(ctx, sc); err != nil {
			return err
		}
		return tx.ReleaseCharges(ctx, subID)
	case ended && sc.DeliveredAt.IsZero():
		return tx.VoidCharges(ctx, subID, time.Time{}, ReasonUndelivered)
	case ended:
		return tx.VoidCharges(ctx, subID, now, ReasonNotReached)
	}
	return nil
}
