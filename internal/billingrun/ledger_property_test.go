package billingrun_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/coupons"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

var ledgerSeeds = flag.Int("ledger.seeds", 0, "random sequences the ledger property test runs beyond its fixed seeds (seeded from the clock, printed)")

// fixedSeeds are the sequences CI runs on both engines.
var fixedSeeds = []uint64{1, 2, 3, 4, 5, 6}

// ledgerSteps is the length of one sequence.
const ledgerSteps = 90

// TestLedgerProperty runs random sequences of orders, seat and plan changes
// up and down, deliveries, suspensions, payments, trials and their
// conversion, manual and automatic renewals, terminations, usage, markup
// and price edits, month boundaries and billing runs through the services,
// against the reference model of ledger_model_test.go, and checks that:
// every invoice bills, to the cent, what the model says was sold and is
// due; every charge's shares sum to its amount and the ledger balances; no
// charge is invoiced twice, and none is left uninvoiced unless the model
// holds it (undelivered), voids it, or it is not due yet; and both engines
// bill exactly the same.
func TestLedgerProperty(t *testing.T) {
	seeds := append([]uint64{}, fixedSeeds...)
	for range *ledgerSeeds {
		seeds = append(seeds, rand.Uint64())
	}
	results := map[store.Engine]map[uint64]string{}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		results[st.Engine()] = map[uint64]string{}
		for i, seed := range seeds {
			t.Run(fmt.Sprint(seed), func(t *testing.T) {
				if i > 0 {
					st = storetest.Open(t, st.Engine())
				}
				results[st.Engine()][seed] = ledgerSequence(t, st, seed)
			})
		}
	})
	for _, seed := range seeds {
		if lite, pg := results[store.SQLite][seed], results[store.Postgres][seed]; pg != "" && lite != pg {
			t.Errorf("seed %d: the engines billed differently:\nsqlite:   %s\npostgres: %s", seed, lite, pg)
		}
	}
}

// ledger drives one sequence: the services over the store, and the model.
type ledger struct {
	t         *testing.T
	st        *store.Store
	w         *storetest.World
	m         *model
	rng       *rand.Rand
	now       time.Time
	customers []storetest.Tenant
	plans     []*mPlan
	runs      map[int64]int // the store's run id → the model's run
	keys      int
	coupons   []*mCoupon
	crng      *rand.Rand // draws the coupons, apart from rng, so the sequences of a seed stay those without coupons
}

// ledgerPlans are the plans of a sequence: the model's definitions, from
// which their pricing is written.
func ledgerPlans() []mPlan {
	d := decimal.RequireFromString
	return []mPlan{
		{name: "Seats", price: d("4.00"), setup: d("5.00"), termMonths: 1},
		{name: "Seats plus", price: d("7.35"), termMonths: 1},
		{name: "Metered", flat: true, price: d("20.00"), rate: d("0.013"), termMonths: 1},
		{name: "Quarterly", price: d("3.10"), termMonths: 3},
		{name: "Trial", price: d("6.00"), trialDays: 10, termMonths: 1},
	}
}

// pricingJSON writes a model plan as the catalog stores it.
func pricingJSON(p mPlan) string {
	m := map[string]any{"currency": "EUR", "period": "P1M", "term": fmt.Sprintf("P%dM", p.termMonths)}
	if p.flat {
		m["model"], m["amount"] = "flat", p.price.String()
	} else {
		m["model"], m["unit"], m["unit_amount"] = "per_unit", "seat", p.price.String()
	}
	if p.setup.Sign() > 0 {
		m["setup_fee"] = p.setup.String()
	}
	if p.trialDays > 0 {
		m["trial_days"] = p.trialDays
	}
	if p.rate.Sign() > 0 {
		m["metrics"] = []map[string]any{{"name": "calls", "unit": "call", "model": "per_unit", "unit_amount": p.rate.String()}}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func ledgerSequence(t *testing.T, st *store.Store, seed uint64) string {
	l := &ledger{t: t, st: st, m: newModel(), rng: rand.New(rand.NewPCG(seed, 13)), now: storetest.Epoch, runs: map[int64]int{}}
	st.Now = func() time.Time { return l.now }
	l.w = storetest.NewWorld(t, st)
	w := l.w
	l.customers = []storetest.Tenant{w.C1, w.C1b, w.C2}
	for _, c := range l.customers {
		l.m.chain[c.Org.ID] = [2]int64{w.D1.Org.ID, w.R1.Org.ID}
	}
	l.m.chain[w.C2.Org.ID] = [2]int64{w.D2.Org.ID, w.R2.Org.ID}
	for _, p := range ledgerPlans() {
		plan := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, p.name, pricingJSON(p))
		p.id = plan.ID
		l.m.plans[p.id] = &p
		l.plans = append(l.plans, l.m.plans[p.id])
	}
	l.crng = rand.New(rand.NewPCG(seed, 17))
	l.grant()
	for range ledgerSteps {
		l.step()
		if l.crng.IntN(6) == 0 {
			l.upgradeDiscounted()
		}
	}
	// Close the last month a day after the last step: everything due by
	// then is invoiced.
	l.advance(24)
	l.run()
	l.check()
	kinds := map[string]int{}
	for _, c := range l.m.charges {
		kinds[c.kind+"/"+c.state]++
	}
	redeemed := map[string]int{}
	for _, c := range l.coupons {
		redeemed[c.code] = c.redeemed
	}
	t.Logf("%d subscriptions, %d runs to %s; charges %v; coupons redeemed %v", len(l.m.subs), l.m.runs, l.now.Format("2006-01-02"), kinds, redeemed)
	return l.digest()
}

// step takes one random step.
func (l *ledger) step() {
	switch n := l.rng.IntN(100); {
	case n < 14:
		l.order()
	case n < 28:
		l.advance(1 + l.rng.IntN(600))
	case n < 36:
		l.run()
	case n < 45:
		l.onSub(func(s *mSub) bool { return s.status == "PENDING" }, l.deliver)
	case n < 56:
		l.onSub(func(s *mSub) bool { return !ended[s.status] }, l.change)
	case n < 60:
		l.onSub(func(s *mSub) bool { return !s.paid && !ended[s.status] }, l.pay)
	case n < 64:
		l.onSub(func(s *mSub) bool { return s.status == "DEPLOYED" || s.status == "STOPPED" }, l.suspendOrResume)
	case n < 68:
		l.onSub(func(s *mSub) bool { return !ended[s.status] }, l.terminate)
	case n < 71:
		l.onSub(func(s *mSub) bool { return !s.trial && (s.status == "DEPLOYED" || s.status == "STOPPED") }, l.renew)
	case n < 73:
		l.onSub(func(s *mSub) bool { return s.autoRenew && !ended[s.status] }, l.stopRenewing)
	case n < 83:
		l.onSub(func(s *mSub) bool { return l.m.plans[s.plan].rate.Sign() > 0 && !ended[s.status] }, l.use)
	case n < 89:
		l.markup()
	case n < 94:
		l.price()
	default:
		l.payInvoice()
	}
}

func (l *ledger) must(err error, what string, args ...any) {
	l.t.Helper()
	if err != nil {
		l.t.Fatalf("at %s, %s: %v", l.now.Format(time.RFC3339), fmt.Sprintf(what, args...), err)
	}
}

// onSub applies fn to a random subscription that ok accepts.
func (l *ledger) onSub(ok func(*mSub) bool, fn func(*mSub)) {
	var ids []int64
	for id, s := range l.m.subs {
		if ok(s) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	fn(l.m.subs[ids[l.rng.IntN(len(ids))]])
}

func (l *ledger) advance(hours int) { l.now = l.now.Add(time.Duration(hours) * time.Hour) }

// grant creates the sequence's coupons: the platform's, a reseller's
// (redeemed through its channel only) and the vendor's, with a limit.
func (l *ledger) grant() {
	d := decimal.RequireFromString
	for _, g := range []struct {
		by mercato.Principal
		c  *mCoupon
	}{
		{l.w.Platform.Principal, &mCoupon{code: "PLATFORM10", percent: true, value: d("10"), duration: "repeating", periods: 2}},
		{l.w.R1.Principal, &mCoupon{code: "R1FIVE", value: d("5.00"), duration: "forever", grantedBy: l.w.R1.Org.ID}},
		{l.w.VendorA.Principal, &mCoupon{code: "HALFOFF", percent: true, value: d("50"), duration: "once", limit: 3}},
	} {
		c := coupon.Coupon{Code: g.c.code, Kind: coupon.KindPercent, Value: g.c.value, Duration: g.c.duration, Periods: g.c.periods, MaxRedemptions: int64(g.c.limit)}
		if !g.c.percent {
			c.Kind, c.Currency = coupon.KindAmount, "EUR"
		}
		_, err := coupons.New(l.st, store.TxFunc[coupons.Tx](l.st)).Create(context.Background(), g.by, c)
		l.must(err, "coupon %s", g.c.code)
		l.coupons = append(l.coupons, g.c)
	}
}

func (l *ledger) order() {
	c := l.customers[l.rng.IntN(len(l.customers))]
	p := l.plans[l.rng.IntN(len(l.plans))]
	qty := int64(1 + l.rng.IntN(20))
	var cp *mCoupon
	if n := l.crng.IntN(2 * len(l.coupons)); n < len(l.coupons) {
		cp = l.coupons[n]
	}
	r := subscription.OrderRequest{PlanID: p.id, Quantity: qty}
	if cp != nil {
		r.Coupon = cp.code
	}
	o, err := app.Ordering(l.st).PlaceOrder(context.Background(), c.Principal, r)
	if cp != nil && (cp.limit > 0 && cp.redeemed >= cp.limit || cp.grantedBy != 0 && l.m.chain[c.Org.ID][1] != cp.grantedBy) {
		if mercato.ErrorCode(err) != mercato.EINVALID {
			l.t.Fatalf("at %s, coupon %s by customer %d: %v, want refused", l.now.Format(time.RFC3339), cp.code, c.Org.ID, err)
		}
		return
	}
	l.must(err, "order %d × plan %d with coupon %q", qty, p.id, r.Coupon)
	l.m.order(o.SubscriptionID, c.Org.ID, c.Org.OnAccount, *p, qty, l.now, cp)
}

func (l *ledger) deliver(s *mSub) {
	_, err := app.Lifecycle(l.st).SetStatus(context.Background(), l.w.Platform.Principal, s.id, subscription.Deployed)
	l.must(err, "deliver %d", s.id)
	l.m.deliver(s)
}

func (l *ledger) change(s *mSub) {
	p, qty := l.m.plans[s.plan], s.qty
	switch l.rng.IntN(3) {
	case 0:
		p = l.plans[l.rng.IntN(len(l.plans))]
	default:
		qty = max(1, qty+int64(l.rng.IntN(13))-6)
	}
	_, err := app.Ordering(l.st).Change(context.Background(), l.w.Platform.Principal, s.id, subscription.Change{Quantity: &qty, PlanID: &p.id})
	l.must(err, "change %d to %d × plan %d", s.id, qty, p.id)
	l.m.change(s, *p, qty, l.now)
}

// upgradeDiscounted adds seats to a live subscription sold with a
// percentage coupon (drawn by crng, so that the other steps of a seed stay
// the same): its prorated charge is discounted in a period the coupon
// discounted, not after.
func (l *ledger) upgradeDiscounted() {
	var ids []int64
	for id, s := range l.m.subs {
		if s.coupon != nil && s.coupon.percent && !ended[s.status] && !s.trial {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	s := l.m.subs[ids[l.crng.IntN(len(ids))]]
	qty := s.qty + int64(1+l.crng.IntN(3))
	_, err := app.Ordering(l.st).Change(context.Background(), l.w.Platform.Principal, s.id, subscription.Change{Quantity: &qty})
	l.must(err, "upgrade %d to %d", s.id, qty)
	l.m.change(s, *l.m.plans[s.plan], qty, l.now)
}

func (l *ledger) pay(s *mSub) {
	_, err := app.Lifecycle(l.st).Pay(context.Background(), l.w.Platform.Principal, s.id)
	l.must(err, "pay %d", s.id)
	l.m.pay(s, l.now)
}

func (l *ledger) suspendOrResume(s *mSub) {
	a, to := subscription.ActionSuspend, "STOPPED"
	if s.status == "STOPPED" {
		a, to = subscription.ActionResume, "DEPLOYED"
	}
	_, err := app.Lifecycle(l.st).Act(context.Background(), l.w.Platform.Principal, s.id, a)
	l.must(err, "%s %d", a, s.id)
	s.status = to
}

func (l *ledger) terminate(s *mSub) {
	_, err := app.Lifecycle(l.st).Act(context.Background(), l.w.Platform.Principal, s.id, subscription.ActionTerminate)
	l.must(err, "terminate %d", s.id)
	l.m.terminate(s, l.now)
}

func (l *ledger) renew(s *mSub) {
	_, err := app.Lifecycle(l.st).Renew(context.Background(), l.w.Platform.Principal, s.id)
	l.must(err, "renew %d", s.id)
	l.m.renew(s, l.now, true)
}

func (l *ledger) stopRenewing(s *mSub) {
	no := false
	_, err := app.Ordering(l.st).Change(context.Background(), l.w.Platform.Principal, s.id, subscription.Change{AutoRenew: &no})
	l.must(err, "stop renewing %d", s.id)
	s.autoRenew = false
}

func (l *ledger) use(s *mSub) {
	calls := decimal.NewFromInt(int64(1 + l.rng.IntN(5000)))
	l.keys++
	at := l.now
	_, _, err := usage.New(l.st, store.TxFunc[usage.Tx](l.st)).RecordUsage(context.Background(), l.w.VendorA.Principal, s.id,
		usage.Report{Metric: "calls", Quantity: calls, OccurredAt: &at, IdempotencyKey: fmt.Sprint("k", l.keys)})
	l.must(err, "usage of %d", s.id)
	s.usage = append(s.usage, mUsage{at: at, calls: calls})
}

// markup sets a distributor's or reseller's percentage on a plan.
func (l *ledger) markup() {
	orgs := []int64{l.w.D1.Org.ID, l.w.R1.Org.ID, l.w.D2.Org.ID, l.w.R2.Org.ID}
	org, p := orgs[l.rng.IntN(len(orgs))], l.plans[l.rng.IntN(len(l.plans))]
	pct := decimal.New(int64(l.rng.IntN(6000)), -2)
	_, err := storetest.Channel(l.st).SetPrice(context.Background(), l.w.Platform.Principal, pricing.PriceListEntry{OrganizationID: org, PlanID: p.id,
		Markup: pricing.Markup{Kind: pricing.MarkupPercentage, Value: pct}})
	l.must(err, "markup")
	l.m.markups[[2]int64{org, p.id}] = pct
}

// price edits a plan's price (its setup fee, metric and terms stay).
func (l *ledger) price() {
	p := l.plans[l.rng.IntN(len(l.plans))]
	p.price = decimal.New(int64(100+l.rng.IntN(2000)), -2)
	var pr pricing.Pricing
	l.must(json.Unmarshal([]byte(pricingJSON(*p)), &pr), "pricing")
	_, err := storetest.Listing(l.st).UpdatePlan(context.Background(), l.w.VendorA.Principal, p.id, listing.PlanUpdate{Pricing: &pr})
	l.must(err, "price of plan %d", p.id)
}

// run closes the current month at this instant, without dunning (the
// model does not remind, suspend or expire).
func (l *ledger) run() {
	m := billing.MonthOf(l.now)
	r, err := service(l.st).RunBilling(context.Background(), l.w.Platform.Principal, billingrun.Options{Period: m,
		Dunning: &billing.DunningPolicy{PaymentTermsDays: 14}})
	l.must(err, "run %s", m)
	want := l.m.run(l.now, m.End())
	l.runs[r.ID] = l.m.runs
	got := map[int64]decimal.Decimal{}
	for _, inv := range l.invoices() {
		if l.runs[inv.RunID] == l.m.runs {
			got[inv.Customer.ID] = got[inv.Customer.ID].Add(inv.Subtotal)
		}
	}
	if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(want)) {
		l.t.Fatalf("run %d at %s invoiced %v, the model %v", l.m.runs, l.now.Format(time.RFC3339), sorted(got), sorted(want))
	}
}

// payInvoice pays one of the issued invoices: the orders on it that wait
// for their payment are cleared.
func (l *ledger) payInvoice() {
	var unpaid []billing.Invoice
	for _, inv := range l.invoices() {
		if inv.Status == billing.StatusIssued {
			unpaid = append(unpaid, inv)
		}
	}
	if len(unpaid) == 0 {
		return
	}
	inv := unpaid[l.rng.IntN(len(unpaid))]
	_, err := service(l.st).PayInvoice(context.Background(), l.w.Platform.Principal, inv.ID, billingrun.PaymentRequest{})
	l.must(err, "pay invoice %d", inv.ID)
	for _, c := range l.m.charges {
		if s := c.sub; c.invoiced == l.runs[inv.RunID] && s.customer == inv.Customer.ID && s.status == "WAITING_PAYMENT" {
			s.status, s.paid = "PENDING", true
		}
	}
}

// invoices reads every invoice with its lines.
func (l *ledger) invoices() []billing.Invoice {
	return invoices(l.t, l.st, l.w.Platform.Principal, 0)
}

func sorted(m map[int64]decimal.Decimal) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%d:%s", k, v.StringFixed(2)))
	}
	sort.Strings(out)
	return out
}

// check compares the store's charges and invoices with the model.
func (l *ledger) check() {
	t := l.t
	type key struct {
		sub                int64
		kind, state, start string
		invoiced           bool
	}
	want, got := map[key]decimal.Decimal{}, map[key]decimal.Decimal{}
	monthEnd := billing.MonthOf(l.now).End()
	for _, c := range l.m.charges {
		k := key{c.sub.id, c.kind, c.state, c.start.UTC().Format(time.RFC3339), c.invoiced > 0}
		want[k] = want[k].Add(c.amount)
		if c.state == "open" && c.invoiced == 0 && c.due.Before(monthEnd) {
			t.Fatalf("the model left a due charge uninvoiced: %+v", c)
		}
	}
	rows, err := l.st.DB().Query(`SELECT subscription_id, kind, state, period_start, amount, invoice_id IS NOT NULL, due_at FROM charges`)
	l.must(err, "charges")
	defer rows.Close()
	invoicedCharges, invoicedSum := 0, decimal.Zero
	for rows.Next() {
		var (
			k          key
			amount     decimal.Decimal
			start, due time.Time
			invoiced   bool
		)
		l.must(rows.Scan(&k.sub, &k.kind, &k.state, &start, &amount, &invoiced, &due), "scan charge")
		k.start, k.invoiced = start.UTC().Format(time.RFC3339), invoiced
		got[k] = got[k].Add(amount)
		if invoiced {
			invoicedCharges++
			invoicedSum = invoicedSum.Add(amount)
		} else if k.state == billing.ChargeOpen && due.Before(monthEnd) {
			t.Errorf("charge %+v is due and was never invoiced", k)
		}
	}
	l.must(rows.Err(), "charges")
	for k, v := range want {
		if !got[k].Equal(v) {
			t.Errorf("charges %+v: the store has %s, the model %s", k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("charges %+v: the store has %s, the model none", k, v)
		}
	}
	// Every invoice line comes from one charge, once; shares sum to
	// each charge's amount; the ledger balances.
	lines, subtotal := 0, decimal.Zero
	for _, inv := range l.invoices() {
		subtotal = subtotal.Add(inv.Subtotal)
		var charge, shares decimal.Decimal
		for i, line := range inv.Lines {
			if line.Part == 0 {
				lines++
				if i > 0 && !charge.Equal(shares) {
					t.Errorf("invoice %d line %d: shares %s of a charge of %s", inv.ID, line.No, shares, charge)
				}
				charge, shares = decimal.Zero, decimal.Zero
				for _, s := range line.Shares {
					shares = shares.Add(s.Amount)
				}
			}
			charge = charge.Add(line.Amount)
		}
		if len(inv.Lines) > 0 && !charge.Equal(shares) {
			t.Errorf("invoice %d: shares %s of a charge of %s", inv.ID, shares, charge)
		}
	}
	// Every RENEWAL order sold what the model says: its term's first
	// period, with the coupon's discount while it lasts.
	renewals := map[int64][]string{}
	orows, err := l.st.DB().Query(`SELECT subscription_id, total FROM orders WHERE type = 'RENEWAL' ORDER BY id`)
	l.must(err, "renewal orders")
	for orows.Next() {
		var sub int64
		var total decimal.Decimal
		l.must(orows.Scan(&sub, &total), "scan order")
		renewals[sub] = append(renewals[sub], total.StringFixed(2))
	}
	l.must(orows.Err(), "renewal orders")
	orows.Close()
	for id, s := range l.m.subs {
		var want []string
		for _, p := range s.renewals {
			want = append(want, p.StringFixed(2))
		}
		if fmt.Sprint(want) != fmt.Sprint(renewals[id]) {
			t.Errorf("subscription %d: RENEWAL orders %v, the model %v", id, renewals[id], want)
		}
	}
	if lines != invoicedCharges || !subtotal.Equal(invoicedSum) {
		t.Errorf("invoices bill %d charges for %s; %d charges for %s are marked invoiced", lines, subtotal, invoicedCharges, invoicedSum)
	}
	if subtotal.Sign() > 0 {
		checkBalanced(t, l.st)
	}
}

// digest is what the sequence billed, to compare the engines.
func (l *ledger) digest() string {
	var parts []string
	for _, inv := range l.invoices() {
		parts = append(parts, fmt.Sprintf("%s %d %s %v", inv.Number, inv.Customer.ID, inv.Total.StringFixed(2), amounts(inv)))
	}
	return strings.Join(parts, "; ")
}
