package billing

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/pricing"
)

// Subscription is what billing needs to know of a subscription.
type Subscription struct {
	ID         int64
	CustomerID int64
	ResellerID int64 // 0: sold by the platform
	PlanID     int64
	PlanName   string
	Type       string // NORMAL, TRIAL, SANDBOX
	Status     string
	AutoRenew  bool
	Quantity   int64
	Start      time.Time
	End        time.Time
	Pricing    pricing.Pricing
	ProductID  int64
	VendorID   int64 // the product's vendor
}

// Channel is how a subscription's price reaches its customer.
type Channel struct {
	VendorID   int64
	FeePercent decimal.Decimal
	Markups    []pricing.ChannelMarkup // distributor first, then reseller
}

// key identifies the channel in a quote cache.
func (c Channel) key() string {
	var b strings.Builder
	b.WriteString(strconv.FormatInt(c.VendorID, 10))
	b.WriteByte('/')
	b.WriteString(c.FeePercent.String())
	for _, m := range c.Markups {
		fmt.Fprintf(&b, "/%s:%d:%s:%s", m.Role, m.OrganizationID, m.Markup.Kind, m.Markup.Value)
	}
	return b.String()
}

// Window is a span of time [From, To).
type Window struct{ From, To time.Time }

// Due is what a subscription owes in a month before it is priced.
type Due struct {
	// Recurring lists the starts (and ends) of the subscription periods
	// that start in the month, billed in advance.
	Recurring []Window
	// Setup is true when the first period is among them.
	Setup bool
	// Usage lists the subscription periods that end in the month, whose
	// usage is billed in arrears.
	Usage []Window
}

// billedStatuses are the statuses whose recurring fee is due: ordered and
// not ended. A REQUIRES_APPROVAL order is billed once approved.
var billedStatuses = map[string]bool{
	"WAITING_PAYMENT": true, "PENDING": true, "POST_CONFIGURATION": true, "DEPLOYED": true, "STOPPED": true,
}

// Anchor is when a subscription's first paid period starts: its start, or
// the end of its plan's free trial.
func Anchor(s Subscription) time.Time {
	if s.Pricing.TrialDays > 0 {
		return s.Start.AddDate(0, 0, s.Pricing.TrialDays)
	}
	return s.Start
}

// PeriodAt returns the subscription period holding instant at, counted
// from the anchor; before the anchor it returns the trial [start, anchor).
func PeriodAt(s Subscription, at time.Time) (Window, error) {
	period, _, err := s.Pricing.Periods()
	if err != nil {
		return Window{}, err
	}
	anchor := Anchor(s)
	if at.Before(anchor) {
		return Window{s.Start, anchor}, nil
	}
	k := firstIndex(period, anchor, at)
	for ; ; k++ {
		from, to := period.AddN(anchor, k), period.AddN(anchor, k+1)
		if !at.Before(from) && at.Before(to) {
			return Window{from, to}, nil
		}
	}
}

// firstIndex estimates from below the index k of the first period of
// anchor that may end after t, so that scanning starts near t.
func firstIndex(p pricing.Period, anchor, t time.Time) int {
	if !t.After(anchor) {
		return 0
	}
	var k int
	if m := p.Months(); m > 0 {
		months := (t.Year()-anchor.Year())*12 + int(t.Month()) - int(anchor.Month())
		k = months/m - 1
	} else if d := p.Days(); d > 0 {
		k = int(t.Sub(anchor).Hours()/24)/d - 1
	}
	return max(k, 0)
}

// Schedule returns what s owes in month m: the periods that start in it
// (while s is billed: a NORMAL subscription in a billed status whose term
// covers the period or which renews itself) and the periods that end in
// it (for usage, whatever its status now). Trials and sandboxes owe
// nothing.
func Schedule(s Subscription, m Month) (Due, error) {
	var d Due
	if s.Type == "SANDBOX" {
		return d, nil
	}
	period, _, err := s.Pricing.Periods()
	if err != nil {
		return d, err
	}
	anchor := Anchor(s)
	ms, me := m.Start(), m.End()
	recurring := s.Type == "NORMAL" && billedStatuses[s.Status]
	for k := max(firstIndex(period, anchor, ms)-1, 0); ; k++ {
		from := period.AddN(anchor, k)
		if !from.Before(me) {
			break
		}
		to := period.AddN(anchor, k+1)
		if recurring && !from.Before(ms) && (from.Before(s.End) || s.AutoRenew) {
			d.Recurring = append(d.Recurring, Window{from, to})
			if k == 0 {
				d.Setup = true
			}
		}
		if len(s.Pricing.Metrics) > 0 && !to.Before(ms) && to.Before(me) && !from.After(s.End) {
			d.Usage = append(d.Usage, Window{from, to})
		}
	}
	return d, nil
}

// Change is an upgrade or downgrade made in a month (a CHANGE order), with
// what was bought before it.
type Change struct {
	OrderID  int64
	At       time.Time
	OldPlan  pricing.Pricing
	OldQty   int64
	NewPlan  pricing.Pricing
	NewQty   int64
	PlanName string
}

// Quoter prices through the channel, remembering quotes: most
// subscriptions share a plan, a quantity and a channel.
type Quoter struct {
	mu    sync.Mutex
	cache map[string]pricing.Quote
}

// NewQuoter returns an empty quote cache.
func NewQuoter() *Quoter { return &Quoter{cache: map[string]pricing.Quote{}} }

func (q *Quoter) quote(planKey string, p pricing.Pricing, ch Channel, req pricing.QuoteRequest) (pricing.Quote, error) {
	cacheable := len(req.Usage) == 0
	var key string
	if cacheable {
		key = fmt.Sprintf("%s|%d|%t|%s", planKey, req.Quantity, req.IncludeSetup, ch.key())
		q.mu.Lock()
		v, ok := q.cache[key]
		q.mu.Unlock()
		if ok {
			return v, nil
		}
	}
	req.Channel, req.VendorID, req.PlatformFeePercent = ch.Markups, ch.VendorID, ch.FeePercent
	v, err := p.Quote(req)
	if err != nil {
		return v, err
	}
	if cacheable {
		q.mu.Lock()
		q.cache[key] = v
		q.mu.Unlock()
	}
	return v, nil
}

// Charges prices what s owes in month m: a recurring charge per period
// that starts in it, the setup fee with the first, a prorated charge per
// upgrade in changes made after the trial, and a usage charge per metric
// and period that ends in it (usage maps a period's start, as
// From.Unix(), to the aggregated quantity per metric; metrics without
// usage are not charged). Every charge carries its split.
func (q *Quoter) Charges(s Subscription, ch Channel, due Due, changes []Change, usage map[int64]map[string]decimal.Decimal) ([]Charge, error) {
	planKey := fmt.Sprintf("plan:%d", s.PlanID)
	var out []Charge
	label := func(w Window) string {
		return fmt.Sprintf("%s (%s – %s)", s.PlanName, w.From.Format("2006-01-02"), w.To.Format("2006-01-02"))
	}
	qty := max(s.Quantity, 1)
	for _, w := range due.Recurring {
		base, err := q.quote(planKey, s.Pricing, ch, pricing.QuoteRequest{Quantity: qty})
		if err != nil {
			return nil, fmt.Errorf("subscription %d recurring: %w", s.ID, err)
		}
		c := Charge{SubscriptionID: s.ID, Kind: pricing.KindRecurring, PeriodStart: w.From, PeriodEnd: w.To, Shares: base.Shares}
		for _, l := range base.Lines {
			l.Description = label(w) + ": " + l.Description
			c.Lines = append(c.Lines, l)
		}
		out = append(out, c)
		if due.Setup && w == due.Recurring[0] && s.Pricing.SetupFee != nil && s.Pricing.SetupFee.Sign() > 0 {
			with, err := q.quote(planKey, s.Pricing, ch, pricing.QuoteRequest{Quantity: qty, IncludeSetup: true})
			if err != nil {
				return nil, fmt.Errorf("subscription %d setup: %w", s.ID, err)
			}
			out = append(out, Charge{SubscriptionID: s.ID, Kind: pricing.KindSetup, PeriodStart: w.From, PeriodEnd: w.To,
				Lines: extraLines(with.Lines, base.Lines, s.PlanName+": "), Shares: diffShares(with.Shares, base.Shares)})
		}
	}
	for _, w := range due.Usage {
		used := usage[w.From.Unix()]
		for _, m := range s.Pricing.Metrics {
			u, ok := used[m.Name]
			if !ok || u.Sign() <= 0 {
				continue
			}
			base, err := q.quote(planKey, s.Pricing, ch, pricing.QuoteRequest{Quantity: qty})
			if err != nil {
				return nil, fmt.Errorf("subscription %d usage: %w", s.ID, err)
			}
			with, err := q.quote(planKey, s.Pricing, ch, pricing.QuoteRequest{Quantity: qty, Usage: map[string]decimal.Decimal{m.Name: u}})
			if err != nil {
				return nil, fmt.Errorf("subscription %d usage of %s: %w", s.ID, m.Name, err)
			}
			lines := extraLines(with.Lines, base.Lines, label(w)+": ")
			out = append(out, Charge{SubscriptionID: s.ID, Kind: pricing.KindUsage, Ref: m.Name, PeriodStart: w.From, PeriodEnd: w.To,
				Lines: lines, Shares: diffShares(with.Shares, base.Shares)})
		}
	}
	anchor := Anchor(s)
	for _, c := range changes {
		if c.At.Before(anchor) {
			continue // changes during a free trial cost nothing
		}
		charge, ok, err := q.changeCharge(s, ch, c)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, charge)
		}
	}
	return out, nil
}

// changeCharge prices an upgrade at the customer's channel price, prorated
// by the hours left in its period: every level of the chain is prorated,
// then split as a quote is ([sharesFromLevels]). A change that does not
// cost the customer more (a downgrade) charges nothing now.
func (q *Quoter) changeCharge(s Subscription, ch Channel, c Change) (Charge, bool, error) {
	oldQ, err := q.quote(fmt.Sprintf("change-old:%d", c.OrderID), c.OldPlan, ch, pricing.QuoteRequest{Quantity: max(c.OldQty, 1)})
	if err != nil {
		return Charge{}, false, fmt.Errorf("subscription %d change %d (before): %w", s.ID, c.OrderID, err)
	}
	newQ, err := q.quote(fmt.Sprintf("change-new:%d", c.OrderID), c.NewPlan, ch, pricing.QuoteRequest{Quantity: max(c.NewQty, 1)})
	if err != nil {
		return Charge{}, false, fmt.Errorf("subscription %d change %d (after): %w", s.ID, c.OrderID, err)
	}
	if newQ.Total.Sub(oldQ.Total).Sign() <= 0 {
		return Charge{}, false, nil
	}
	w, err := PeriodAt(s, c.At)
	if err != nil {
		return Charge{}, false, err
	}
	oldL, newL := levels(oldQ.Shares), levels(newQ.Shares)
	if len(oldL) != len(newL) {
		return Charge{}, false, fmt.Errorf("subscription %d change %d: the channel changed", s.ID, c.OrderID)
	}
	prorated := make([]decimal.Decimal, len(newL))
	for i := range newL {
		prorated[i] = pricing.Prorate(newL[i].Sub(oldL[i]), s.Pricing.Currency, w.From, w.To, c.At)
	}
	shares := sharesFromLevels(newQ.Shares, prorated, ch.FeePercent, s.Pricing.Currency)
	amount := prorated[len(prorated)-1]
	hours := int64(w.To.Sub(c.At) / time.Hour)
	total := int64(w.To.Sub(w.From) / time.Hour)
	line := pricing.Line{
		Description: fmt.Sprintf("%s: change to %d, prorated %d/%d hours (%s – %s)", c.PlanName, c.NewQty, max(min(hours, total), 0), total,
			c.At.Format("2006-01-02 15:04"), w.To.Format("2006-01-02 15:04")),
		Kind: KindChange, Quantity: decimal.NewFromInt(1), UnitAmount: amount, Amount: amount,
	}
	return Charge{SubscriptionID: s.ID, Kind: KindChange, Ref: strconv.FormatInt(c.OrderID, 10), PeriodStart: c.At, PeriodEnd: w.To,
		Lines: []pricing.Line{line}, Shares: shares}, true, nil
}

// levels returns the total at each level of a quote's chain: the vendor's
// list price (vendor + platform), then each channel party's price.
func levels(shares []pricing.Share) []decimal.Decimal {
	var out []decimal.Decimal
	total := decimal.Zero
	for i, s := range shares {
		total = total.Add(s.Amount)
		if i == 0 {
			continue // vendor: the platform's share completes the level
		}
		out = append(out, total)
	}
	return out
}

// sharesFromLevels splits prorated level totals as a quote splits its
// levels: the vendor gets the vendor level × (1 − fee/100) rounded, the
// platform the rest of it, each channel party its level less the previous.
func sharesFromLevels(like []pricing.Share, lv []decimal.Decimal, fee decimal.Decimal, currency string) []pricing.Share {
	out := make([]pricing.Share, len(like))
	copy(out, like)
	vendor := pricing.Round(lv[0].Mul(decimal.NewFromInt(1).Sub(fee.Shift(-2))), currency)
	out[0].Amount = vendor
	out[1].Amount = lv[0].Sub(vendor)
	for i := 2; i < len(out); i++ {
		out[i].Amount = lv[i-1].Sub(lv[i-2])
	}
	return out
}

// diffShares returns a − b party by party (the same chain in both).
func diffShares(a, b []pricing.Share) []pricing.Share {
	out := make([]pricing.Share, len(a))
	for i := range a {
		out[i] = a[i]
		if i < len(b) {
			out[i].Amount = a[i].Amount.Sub(b[i].Amount)
		}
	}
	return out
}

// extraLines returns the lines of with that are not in base (which is a
// prefix of it in kind order: recurring lines first), prefixed.
func extraLines(with, base []pricing.Line, prefix string) []pricing.Line {
	var out []pricing.Line
	for _, l := range with {
		if l.Kind == pricing.KindRecurring {
			continue
		}
		l.Description = prefix + l.Description
		out = append(out, l)
	}
	return out
}
