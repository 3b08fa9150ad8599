package billingrun_test

import (
	"math/big"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// The reference model of the property test (ledger_property_test.go): what
// a customer was sold, computed from the plan definitions the test itself
// creates, by rules written here again from the charge model's description
// (docs/architecture.md, "Charge model"), without internal/billing or
// internal/pricing. Its prices are simple: flat or per unit, a setup fee, a
// per-unit usage metric, and percentage markups of a distributor and a
// reseller, each rounded half to even to the cent, level by level.

// mPlan is a plan as the test defines it.
type mPlan struct {
	id         int64
	name       string
	flat       bool
	price      decimal.Decimal // the flat amount, or the price of a unit
	setup      decimal.Decimal // zero: none
	rate       decimal.Decimal // per call of the "calls" metric; zero: not metered
	trialDays  int
	termMonths int // the period is always a month
}

// mVersion is what a subscription was sold at.
type mVersion struct {
	plan                  mPlan
	qty                   int64
	distributor, reseller decimal.Decimal // markups in percent
}

var hundred = decimal.NewFromInt(100)

// up applies the chain's markups to one line, rounding at each level.
func (v mVersion) up(line decimal.Decimal) decimal.Decimal {
	for _, pct := range []decimal.Decimal{v.distributor, v.reseller} {
		line = line.Mul(hundred.Add(pct)).Div(hundred).RoundBank(2)
	}
	return line
}

// period is the customer's price of one period.
func (v mVersion) period() decimal.Decimal {
	if v.plan.flat {
		return v.up(v.plan.price.RoundBank(2))
	}
	return v.up(v.plan.price.Mul(decimal.NewFromInt(v.qty)).RoundBank(2))
}

// usage is the customer's price of calls.
func (v mVersion) usage(calls decimal.Decimal) decimal.Decimal {
	return v.up(calls.Mul(v.plan.rate).RoundBank(2))
}

// addMonths adds n calendar months, keeping the day where the month has
// it and taking the month's last day where it does not.
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month()+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(t.Day(), last), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// window is the span of so many months, counted from anchor, that holds at.
func window(anchor time.Time, months int, at time.Time) (time.Time, time.Time) {
	for k := 0; ; k++ {
		from, to := addMonths(anchor, k*months), addMonths(anchor, (k+1)*months)
		if at.Before(to) {
			return from, to
		}
	}
}

// prorate is amount × hours left / hours of the window, whole hours,
// rounded half to even to the cent.
func prorate(amount decimal.Decimal, from, to, at time.Time) decimal.Decimal {
	total := int64(to.Sub(from) / time.Hour)
	left := max(0, min(total, int64(to.Sub(at)/time.Hour)))
	r := new(big.Rat).Mul(amount.Rat(), big.NewRat(left*100, total)) // in cents
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	switch c := new(big.Int).Mul(m.Abs(m), big.NewInt(2)).Cmp(r.Denom()); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		if r.Sign() < 0 {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return decimal.NewFromBigInt(q, -2)
}

// mCoupon is a coupon as the model sees it: a percentage (rounded half to
// even to the cent) or an amount (at most the period's price) off the
// price of each recurring period while it lasts: once, periods times, or
// forever; limit redemptions (0: unlimited).
type mCoupon struct {
	code      string
	percent   bool
	value     decimal.Decimal
	duration  string // once, repeating, forever
	periods   int
	limit     int
	redeemed  int
	grantedBy int64 // a reseller whose channel alone may redeem it; 0: anyone
}

// off is the discount of a period priced amount, after used periods.
func (c *mCoupon) off(amount decimal.Decimal, used int) decimal.Decimal {
	switch {
	case c.duration == "once" && used >= 1, c.duration == "repeating" && used >= c.periods:
		return decimal.Zero
	case c.percent:
		return amount.Mul(c.value).Div(hundred).RoundBank(2)
	default:
		return decimal.Min(c.value, amount)
	}
}

// mCharge is a charge the model expects.
type mCharge struct {
	sub          *mSub
	kind         string // recurring, setup, change, usage
	start, end   time.Time
	due          time.Time
	amount       decimal.Decimal
	state        string // held, open, void
	invoiced     int    // the model's run that invoiced it; 0: none
	version      mVersion
	usagePending bool
}

// mSub is a subscription as the model sees it.
type mSub struct {
	id, customer      int64
	onAccount         bool
	trial             bool
	status            string
	delivered, paid   bool
	autoRenew         bool
	plan              int64 // its plan now, priced as the model's plans are now
	qty               int64
	end               time.Time
	anchor, chargedTo time.Time // zero: none
	version           mVersion
	sched             *mSched // a downgrade waiting for the end of what is charged
	usage             []mUsage
	coupon            *mCoupon           // redeemed by its order; nil: none
	discounted        int                // periods the coupon discounted
	discountedFrom    map[time.Time]bool // the starts of the periods it discounted
	renewals          []decimal.Decimal  // what each RENEWAL order sold: its term's first period, with the coupon's discount while it lasts
}

// mSched is a downgrade sold and not in effect: the plan, quantity and
// version of the periods from from.
type mSched struct {
	plan, qty int64
	version   mVersion
	from      time.Time
}

// applyDue gives s the plan and quantity of its downgrade due by at; its
// periods are charged at its version from then (through).
func (m *model) applyDue(s *mSub, at time.Time) {
	if s.sched != nil && !s.sched.from.After(at) {
		s.plan, s.qty = s.sched.plan, s.sched.qty
	}
}

type mUsage struct {
	at    time.Time
	calls decimal.Decimal
}

var ended = map[string]bool{"UNDEPLOY_SENT": true, "UNDEPLOYED": true, "PAYMENT_EXPIRED": true}

// model is the whole market: plans with their current prices, markups,
// subscriptions and their charges.
type model struct {
	plans   map[int64]*mPlan
	markups map[[2]int64]decimal.Decimal // (organization, plan) → percent
	chain   map[int64][2]int64           // customer → (distributor, reseller)
	subs    map[int64]*mSub
	charges []*mCharge
	runs    int
}

func newModel() *model {
	return &model{plans: map[int64]*mPlan{}, markups: map[[2]int64]decimal.Decimal{}, chain: map[int64][2]int64{}, subs: map[int64]*mSub{}}
}

// now is what plan sells at to a customer at this moment.
func (m *model) now(customer int64, p mPlan, qty int64) mVersion {
	c := m.chain[customer]
	return mVersion{plan: p, qty: qty, distributor: m.markups[[2]int64{c[0], p.id}], reseller: m.markups[[2]int64{c[1], p.id}]}
}

func (m *model) state(s *mSub) string {
	if s.delivered || s.status == "WAITING_PAYMENT" {
		return "open"
	}
	return "held"
}

func (m *model) charge(s *mSub, kind string, from, to, due time.Time, amount decimal.Decimal, v mVersion) *mCharge {
	c := &mCharge{sub: s, kind: kind, start: from, end: to, due: due, amount: amount, state: m.state(s), version: v}
	m.charges = append(m.charges, c)
	return c
}

// through charges the periods of s begun by until that start before end,
// at its version, the first of all with the setup fee.
func (m *model) through(s *mSub, end, until time.Time) {
	for !s.anchor.IsZero() {
		from, first := s.chargedTo, s.chargedTo.IsZero()
		if first {
			from = s.anchor
		}
		if from.After(until) || !from.Before(end) {
			return
		}
		_, to := window(s.anchor, 1, from)
		if s.sched != nil && !from.Before(s.sched.from) {
			s.plan, s.qty, s.version = s.sched.plan, s.sched.qty, s.sched.version
			s.sched = nil
		}
		v := s.version
		amount := v.period()
		if s.coupon != nil {
			if s.coupon.duration == "forever" || s.discounted < max(s.coupon.periods, 1) {
				amount = amount.Sub(s.coupon.off(amount, s.discounted))
				s.discounted++
				if s.discountedFrom == nil {
					s.discountedFrom = map[time.Time]bool{}
				}
				s.discountedFrom[from] = true
			}
		}
		m.charge(s, "recurring", from, to, from, amount, v).usagePending = v.plan.rate.Sign() > 0
		if first && v.plan.setup.Sign() > 0 {
			m.charge(s, "setup", from, to, from, v.up(v.plan.setup.RoundBank(2)), v)
		}
		s.chargedTo = to
	}
}

// order is a NEW order at now, with a coupon (nil: none).
func (m *model) order(id, customer int64, onAccount bool, p mPlan, qty int64, now time.Time, c *mCoupon) *mSub {
	s := &mSub{id: id, customer: customer, onAccount: onAccount, autoRenew: true, plan: p.id, qty: qty, version: m.now(customer, p, qty), coupon: c}
	if c != nil {
		c.redeemed++
	}
	switch {
	case p.trialDays > 0:
		s.trial, s.status, s.end = true, "PENDING", now.AddDate(0, 0, p.trialDays)
	case onAccount:
		s.status, s.paid = "PENDING", true
	default:
		s.status = "WAITING_PAYMENT"
	}
	if !s.trial {
		s.anchor, s.end = now, addMonths(now, p.termMonths)
		m.through(s, s.end, now)
	}
	m.subs[id] = s
	return s
}

func (m *model) deliver(s *mSub) {
	s.status = "DEPLOYED"
	if !s.delivered {
		s.delivered = true
		for _, c := range m.charges {
			if c.sub == s && c.state == "held" {
				c.state = "open"
			}
		}
	}
}

// end moves s to an ended status: what it no longer owes is void.
func (m *model) end(s *mSub, status string, now time.Time) {
	s.status = status
	for _, c := range m.charges {
		if c.sub == s && c.invoiced == 0 && c.state != "void" && (!s.delivered || c.start.After(now)) {
			c.state, c.usagePending = "void", false
		}
	}
}

func (m *model) terminate(s *mSub, now time.Time) {
	to := "UNDEPLOY_SENT"
	if s.status == "WAITING_PAYMENT" {
		to = "UNDEPLOYED"
	}
	m.end(s, to, now)
}

// pay: an order waiting for payment is cleared; a trial is converted and
// charged from the end of its trial at the price of now.
func (m *model) pay(s *mSub, now time.Time) {
	s.paid = true
	if s.trial {
		p := *m.plans[s.plan]
		s.trial = false
		s.version = m.now(s.customer, p, s.qty)
		s.anchor, s.chargedTo = s.end, time.Time{}
		until := s.anchor
		if now.After(until) {
			until = now
		}
		_, s.end = window(s.anchor, p.termMonths, until)
		m.through(s, s.end, until)
	}
	if s.status == "WAITING_PAYMENT" {
		s.status = "PENDING"
	}
}

// change: the periods begun before it at the old version, then the
// difference of the new and the old price (both at now) prorated over what
// is charged from now on.
func (m *model) change(s *mSub, p mPlan, qty int64, now time.Time) {
	m.applyDue(s, now)
	m.through(s, s.end, now)
	s.sched = nil // a change supersedes a downgrade not in effect
	if !s.anchor.IsZero() && s.chargedTo.After(now) {
		before, after := m.now(s.customer, *m.plans[s.plan], s.qty).period(), m.now(s.customer, p, qty).period()
		if after.LessThan(before) {
			// A downgrade: from the end of what is charged.
			s.sched = &mSched{plan: p.id, qty: qty, version: m.now(s.customer, p, qty), from: s.chargedTo}
			return
		}
		if diff := after.Sub(before); diff.Sign() > 0 {
			at := now
			if s.anchor.After(at) {
				at = s.anchor
			}
			for from, to := window(s.anchor, 1, at); from.Before(s.chargedTo); from, to = window(s.anchor, 1, to) {
				start := from
				if now.After(start) {
					start = now
				}
				amount := prorate(diff, from, to, now)
				if s.coupon != nil && s.coupon.percent && s.discountedFrom[from] {
					// A percentage coupon takes its part of an upgrade in a
					// period it discounted (an amount came off the period once).
					amount = amount.Sub(amount.Mul(s.coupon.value).Div(hundred).RoundBank(2))
				}
				m.charge(s, "change", start, to, start, amount, mVersion{})
			}
		}
	}
	s.plan, s.qty = p.id, qty
	s.version = m.now(s.customer, p, qty)
}

// renew sells the next term at the price of at: the old term's periods
// begun by at at the old version, then the new term's at the new one
// (ahead of a term charged to its end, its first period at once). The new
// end is the end of the term that holds at for a billing run, of the term
// after the old end for a renewal by hand.
func (m *model) renew(s *mSub, at time.Time, manual bool) {
	m.applyDue(s, s.end) // a downgrade within the term renewed is what it sells
	p := *m.plans[s.plan]
	anchor := s.anchor
	if anchor.IsZero() || anchor.After(s.end) {
		anchor = s.end
	}
	oldEnd, holds := s.end, at
	if manual {
		holds = s.end
	}
	_, s.end = window(anchor, p.termMonths, holds)
	m.through(s, oldEnd, at)
	s.version = m.now(s.customer, p, s.qty)
	s.sched = nil // in the version renewed
	until := at
	if s.chargedTo.Equal(oldEnd) && oldEnd.After(at) {
		until = oldEnd
	}
	m.through(s, s.end, until)
	// The order sells the new term's first period (from oldEnd), with the
	// coupon's discount if it lasts until then: charged already, as it was;
	// not yet, after the periods still to charge before it.
	price := s.version.period()
	if s.coupon != nil {
		discounted := s.discountedFrom[oldEnd]
		if !s.chargedTo.After(oldEnd) {
			pending := 0
			for from := s.chargedTo; from.Before(oldEnd); _, from = window(s.anchor, 1, from) {
				pending++
			}
			discounted = s.coupon.duration == "forever" || s.discounted+pending < max(s.coupon.periods, 1)
		}
		if discounted {
			price = price.Sub(s.coupon.off(price, 0))
		}
	}
	s.renewals = append(s.renewals, price)
}

// run is a billing run at asOf closing the month that ends at monthEnd; it
// returns what it invoices per customer.
func (m *model) run(asOf, monthEnd time.Time) map[int64]decimal.Decimal {
	m.runs++
	ids := make([]int64, 0, len(m.subs))
	for id := range m.subs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	renewable := map[string]bool{"PENDING": true, "POST_CONFIGURATION": true, "DEPLOYED": true, "STOPPED": true, "FAILED": true}
	billed := map[string]bool{"WAITING_PAYMENT": true, "PENDING": true, "POST_CONFIGURATION": true, "DEPLOYED": true, "STOPPED": true}
	for _, id := range ids {
		s := m.subs[id]
		if !renewable[s.status] || s.end.After(asOf) {
			continue
		}
		if s.trial || !s.autoRenew {
			m.terminate(s, asOf)
			continue
		}
		m.renew(s, asOf, false)
	}
	for _, id := range ids {
		if s := m.subs[id]; !s.trial && billed[s.status] && (s.chargedTo.IsZero() || !s.chargedTo.After(asOf) && s.chargedTo.Before(s.end)) {
			m.through(s, s.end, asOf)
		}
	}
	for _, c := range append([]*mCharge(nil), m.charges...) {
		if !c.usagePending || c.end.After(asOf) {
			continue
		}
		c.usagePending = false
		calls := decimal.Zero
		for _, u := range c.sub.usage {
			if !u.at.Before(c.start) && u.at.Before(c.end) {
				calls = calls.Add(u.calls)
			}
		}
		if calls.Sign() > 0 {
			m.charge(c.sub, "usage", c.start, c.end, c.end, c.version.usage(calls), c.version).state = c.state
		}
	}
	out := map[int64]decimal.Decimal{}
	for _, c := range m.charges {
		if c.state == "open" && c.invoiced == 0 && c.due.Before(monthEnd) {
			c.invoiced = m.runs
			out[c.sub.customer] = out[c.sub.customer].Add(c.amount)
		}
	}
	return out
}
