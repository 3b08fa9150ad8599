package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// BillingOptions configure a billing run.
type BillingOptions struct {
	Period billing.Month
	// AsOf is the instant renewals and dunning are decided at; zero: now.
	AsOf time.Time
	// Customers is how many customers one transaction bills (default 500).
	Customers int
	Tax       *billing.TaxPolicy     // default billing.DefaultTaxPolicy()
	Dunning   *billing.DunningPolicy // default billing.DefaultDunning()
	// Draft leaves the new invoices as drafts, without numbers.
	Draft bool
	// AfterChunk, when set, is called after each committed transaction
	// with the number of subscriptions billed so far; an error stops the
	// run there (tests inject crashes with it).
	AfterChunk func(billed int) error
	Log        *slog.Logger
}

// BillingRun is the record of one run.
type BillingRun struct {
	ID            int64
	Period        string
	AsOf          time.Time
	Status        string // running, finished, failed
	Subscriptions int    // subscriptions examined
	Invoices      int    // invoices created
	Lines         int    // lines created
	Renewed       int
	Ended         int
	Error         string
	StartedAt     time.Time
	FinishedAt    *time.Time
}

// systemPrincipal acts for the platform in scheduled work.
func (s *Store) systemPrincipal(ctx context.Context, db queryer) (mercato.Principal, error) {
	p := mercato.Principal{OrgKind: mercato.KindPlatform, Role: mercato.RoleAdmin}
	if err := db.QueryRowContext(ctx, `SELECT id FROM organizations WHERE kind = 'platform' ORDER BY id LIMIT 1`).Scan(&p.OrgID); err != nil {
		return p, fmt.Errorf("platform organization: %w", err)
	}
	return p, nil
}

// RunBilling closes a month (only the platform may): it renews or ends the
// subscriptions whose term is over, bills what every subscription owes in
// the month (see package billing) into one invoice per customer, issuer
// and currency, issues them with gapless numbers, posts the channel split
// to the ledger, and then runs dunning. It works customer by customer in
// transactions of opts.Customers; every charge has a unique key, so a run
// that is repeated, or resumed after a crash, bills only what is missing.
func (s *Store) RunBilling(ctx context.Context, p mercato.Principal, opts BillingOptions) (BillingRun, error) {
	if !p.IsPlatform() || !p.CanWrite() {
		return BillingRun{}, mercato.Errorf(mercato.EFORBIDDEN, "only the platform runs billing")
	}
	if opts.Period.Year == 0 {
		return BillingRun{}, mercato.Invalid("invalid billing run", mercato.FieldError{Path: "period", Message: "is required"})
	}
	if opts.AsOf.IsZero() {
		opts.AsOf = s.now()
	}
	opts.AsOf = opts.AsOf.UTC().Truncate(time.Microsecond)
	if opts.Customers <= 0 {
		opts.Customers = 500
	}
	if opts.Tax == nil {
		t := billing.DefaultTaxPolicy()
		opts.Tax = &t
	}
	if opts.Dunning == nil {
		d := billing.DefaultDunning()
		opts.Dunning = &d
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	run := BillingRun{Period: opts.Period.String(), AsOf: opts.AsOf, Status: "running", StartedAt: s.now()}
	if err := s.rd().QueryRowContext(ctx, `INSERT INTO billing_runs (period, as_of, status, started_at) VALUES ($1,$2,$3,$4) RETURNING id`,
		run.Period, run.AsOf, run.Status, run.StartedAt).Scan(&run.ID); err != nil {
		return run, fmt.Errorf("start billing run: %w", err)
	}
	err := s.runBilling(ctx, &run, opts)
	run.Status = "finished"
	if err != nil {
		run.Status, run.Error = "failed", err.Error()
	}
	now := s.now()
	run.FinishedAt = &now
	if _, uerr := s.rd().ExecContext(context.WithoutCancel(ctx), `UPDATE billing_runs SET status=$1, subscriptions=$2, invoices=$3, lines=$4, renewed=$5, ended=$6, error=$7, finished_at=$8 WHERE id=$9`,
		run.Status, run.Subscriptions, run.Invoices, run.Lines, run.Renewed, run.Ended, run.Error, now, run.ID); uerr != nil && err == nil {
		err = fmt.Errorf("finish billing run: %w", uerr)
	}
	if err != nil {
		return run, fmt.Errorf("billing run %d for %s: %w", run.ID, run.Period, err)
	}
	opts.Log.InfoContext(ctx, "billing run finished", "run", run.ID, "period", run.Period, "subscriptions", run.Subscriptions,
		"invoices", run.Invoices, "lines", run.Lines, "renewed", run.Renewed, "ended", run.Ended)
	return run, nil
}

func (s *Store) runBilling(ctx context.Context, run *BillingRun, opts BillingOptions) error {
	if err := s.renewAll(ctx, run, opts); err != nil {
		return err
	}
	b := &biller{s: s, opts: opts, run: run, quoter: billing.NewQuoter(), plans: map[int64]catalog.Plan{},
		vendors: map[int64]int64{}, channels: map[[2]int64]billing.Channel{}}
	if err := b.load(ctx); err != nil {
		return err
	}
	after := int64(0)
	for {
		var ids []int64
		rows, err := s.rd().QueryContext(ctx, `SELECT DISTINCT customer_id FROM subscriptions WHERE customer_id > $1 ORDER BY customer_id LIMIT $2`, after, opts.Customers)
		if err != nil {
			return fmt.Errorf("customers to bill: %w", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			break
		}
		lo, hi := after, ids[len(ids)-1]
		if err := s.tx(ctx, func(tx *txn) error { return b.chunk(ctx, tx, lo, hi) }); err != nil {
			return err
		}
		after = hi
		if opts.AfterChunk != nil {
			if err := opts.AfterChunk(run.Subscriptions); err != nil {
				return err
			}
		}
	}
	_, err := s.runDunning(ctx, opts.AsOf, *opts.Dunning)
	return err
}

// biller holds what a run reads once: plans, vendors, channels, issuers.
type biller struct {
	s        *Store
	opts     BillingOptions
	run      *BillingRun
	quoter   *billing.Quoter
	platform mercato.Organization
	selfBill map[int64]bool
	plans    map[int64]catalog.Plan
	vendors  map[int64]int64 // product → vendor
	channels map[[2]int64]billing.Channel
}

func (b *biller) load(ctx context.Context) error {
	sp, err := b.s.systemPrincipal(ctx, b.s.rd())
	if err != nil {
		return err
	}
	if b.platform, err = b.s.orgByID(ctx, b.s.rd(), sp.OrgID); err != nil {
		return err
	}
	b.selfBill = map[int64]bool{}
	rows, err := b.s.rd().QueryContext(ctx, `SELECT organization_id FROM billing_profiles WHERE self_billing`)
	if err != nil {
		return fmt.Errorf("billing profiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		b.selfBill[id] = true
	}
	return rows.Err()
}

func (b *biller) plan(ctx context.Context, db queryer, id int64) (catalog.Plan, error) {
	if p, ok := b.plans[id]; ok {
		return p, nil
	}
	p, err := b.s.planByID(ctx, db, id)
	if err != nil {
		return p, err
	}
	b.plans[id] = p
	return p, nil
}

func (b *biller) channel(ctx context.Context, db queryer, planID, vendorID, resellerID, customerID int64) (billing.Channel, error) {
	key := [2]int64{planID, resellerID}
	if c, ok := b.channels[key]; ok {
		return c, nil
	}
	fee, markups, err := b.s.channel(ctx, db, planID, vendorID, resellerID, customerID)
	if err != nil {
		return billing.Channel{}, err
	}
	c := billing.Channel{VendorID: vendorID, FeePercent: fee, Markups: markups}
	b.channels[key] = c
	return c, nil
}

// billedSub is a subscription row with what billing needs.
type billedSub struct {
	billing.Subscription
	vendorID int64
}

// chunk bills the customers in (lo, hi] in one transaction.
func (b *biller) chunk(ctx context.Context, tx *txn, lo, hi int64) error {
	s := b.s
	ms, me := b.opts.Period.Start(), b.opts.Period.End()
	rows, err := tx.QueryContext(ctx, `SELECT s.id, s.customer_id, s.reseller_id, s.plan_id, s.product_id, s.type, s.deployment_status, s.auto_renew, s.quantity, s.start_date, s.end_date
		FROM subscriptions s WHERE s.customer_id > $1 AND s.customer_id <= $2 AND s.start_date < $3 ORDER BY s.customer_id, s.id`, lo, hi, me)
	if err != nil {
		return fmt.Errorf("subscriptions to bill: %w", err)
	}
	var subs []billedSub
	for rows.Next() {
		var (
			sub       billedSub
			reseller  sql.NullInt64
			productID int64
		)
		if err := rows.Scan(&sub.ID, &sub.CustomerID, &reseller, &sub.PlanID, &productID, &sub.Type, &sub.Status, &sub.AutoRenew, &sub.Quantity, &sub.Start, &sub.End); err != nil {
			rows.Close()
			return fmt.Errorf("scan subscription: %w", err)
		}
		sub.ResellerID = reseller.Int64
		sub.Start, sub.End = sub.Start.UTC(), sub.End.UTC()
		sub.vendorID = productID // resolved below, after the rows are closed
		subs = append(subs, sub)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	b.run.Subscriptions += len(subs)
	if len(subs) == 0 {
		return nil
	}
	// What was billed already: the charge keys of this chunk's lines.
	billed := map[string]bool{}
	krows, err := tx.QueryContext(ctx, `SELECT l.subscription_id, l.kind, l.ref, l.period_start FROM invoice_lines l JOIN subscriptions s ON s.id = l.subscription_id
		WHERE s.customer_id > $1 AND s.customer_id <= $2 AND l.period_end >= $3 AND l.part = 0`, lo, hi, ms)
	if err != nil {
		return fmt.Errorf("billed charges: %w", err)
	}
	for krows.Next() {
		var (
			id        int64
			kind, ref string
			start     time.Time
		)
		if err := krows.Scan(&id, &kind, &ref, &start); err != nil {
			krows.Close()
			return err
		}
		billed[chargeKey(id, kind, ref, start)] = true
	}
	krows.Close()
	if err := krows.Err(); err != nil {
		return err
	}

	type plannedSub struct {
		sub billedSub
		due billing.Due
	}
	planned := make([]plannedSub, 0, len(subs))
	usageFrom := time.Time{}
	for _, sub := range subs {
		productID := sub.vendorID
		vendor, ok := b.vendors[productID]
		if !ok {
			prod, err := s.productByID(ctx, tx, productID)
			if err != nil {
				return err
			}
			vendor = prod.VendorID
			b.vendors[productID] = vendor
		}
		sub.vendorID = vendor
		plan, err := b.plan(ctx, tx, sub.PlanID)
		if err != nil {
			return err
		}
		sub.Pricing, sub.PlanName = plan.Pricing, plan.Name
		due, err := billing.Schedule(sub.Subscription, b.opts.Period)
		if err != nil {
			return fmt.Errorf("subscription %d: %w", sub.ID, err)
		}
		for _, w := range due.Usage {
			if usageFrom.IsZero() || w.From.Before(usageFrom) {
				usageFrom = w.From
			}
		}
		planned = append(planned, plannedSub{sub: sub, due: due})
	}
	usage, err := b.usage(ctx, tx, lo, hi, usageFrom, planned2windows(planned, func(p plannedSub) (int64, []billing.Window, pricing.Pricing) {
		return p.sub.ID, p.due.Usage, p.sub.Pricing
	}))
	if err != nil {
		return err
	}
	changes, err := b.changes(ctx, tx, lo, hi)
	if err != nil {
		return err
	}

	// Price, keep what is not billed yet, group per customer, issuer, currency.
	type invKey struct {
		customer, issuer int64
		currency         string
	}
	groups := map[invKey][]billing.Charge{}
	var order []invKey
	for _, ps := range planned {
		sub := ps.sub
		if len(ps.due.Recurring) == 0 && len(ps.due.Usage) == 0 && len(changes[sub.ID]) == 0 {
			continue
		}
		ch, err := b.channel(ctx, tx, sub.PlanID, sub.vendorID, sub.ResellerID, sub.CustomerID)
		if err != nil {
			return err
		}
		charges, err := b.quoter.Charges(sub.Subscription, ch, ps.due, changes[sub.ID], usage[sub.ID])
		if err != nil {
			return err
		}
		issuer := b.platform.ID
		if sub.ResellerID != 0 && b.selfBill[sub.ResellerID] {
			issuer = sub.ResellerID
		}
		k := invKey{sub.CustomerID, issuer, sub.Pricing.Currency}
		for _, c := range charges {
			if billed[chargeKey(c.SubscriptionID, c.Kind, c.Ref, c.PeriodStart)] {
				continue
			}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], c)
		}
	}
	if len(order) == 0 {
		return nil
	}
	parties := map[int64]billing.Party{}
	party := func(id int64) (billing.Party, mercato.Organization, error) {
		o, err := s.orgByID(ctx, tx, id)
		if err != nil {
			return billing.Party{}, o, err
		}
		pt := billing.Party{ID: o.ID, Name: o.Name, Email: o.Email, Country: o.Country, VATID: o.VATID}
		parties[id] = pt
		return pt, o, nil
	}
	now := s.now()
	for _, k := range order {
		customer, org, err := party(k.customer)
		if err != nil {
			return err
		}
		issuer, ok := parties[k.issuer]
		if !ok {
			if issuer, _, err = party(k.issuer); err != nil {
				return err
			}
		}
		rate, note := b.opts.Tax.Rate(issuer, customer)
		inv := billing.Invoice{Issuer: issuer, Customer: customer, Period: b.opts.Period.String(), Currency: k.currency, RunID: b.run.ID,
			CreatedAt: now, UpdatedAt: now}
		if org.ParentID != nil {
			inv.ResellerID = *org.ParentID
		}
		inv = billing.Assemble(inv, groups[k], rate, note)
		if err := s.insertInvoice(ctx, tx, &inv); err != nil {
			return err
		}
		if !b.opts.Draft {
			if err := s.issue(ctx, tx, &inv, *b.opts.Dunning); err != nil {
				return err
			}
		}
		b.run.Invoices++
		b.run.Lines += len(inv.Lines)
	}
	return nil
}

func chargeKey(sub int64, kind, ref string, start time.Time) string {
	return strconv.FormatInt(sub, 10) + "|" + kind + "|" + ref + "|" + strconv.FormatInt(start.UTC().UnixMicro(), 10)
}

// usageWindow is one subscription's window whose usage is billed.
type usageWindow struct {
	sub     int64
	w       billing.Window
	metrics map[string]string // name → aggregation
}

func planned2windows[T any](items []T, f func(T) (int64, []billing.Window, pricing.Pricing)) []usageWindow {
	var out []usageWindow
	for _, it := range items {
		id, ws, p := f(it)
		if len(ws) == 0 {
			continue
		}
		agg := map[string]string{}
		for _, m := range p.Normalize().Metrics {
			agg[m.Name] = m.Aggregation
		}
		for _, w := range ws {
			out = append(out, usageWindow{sub: id, w: w, metrics: agg})
		}
	}
	return out
}

// usage aggregates the usage of every window with each metric's
// aggregation (the store's [Aggregator], as [Store.UsageSummary] does): a
// record counts in the window its period starts in. The result maps
// subscription → window start (unix seconds) → metric → quantity.
func (b *biller) usage(ctx context.Context, tx *txn, lo, hi int64, from time.Time, windows []usageWindow) (map[int64]map[int64]map[string]decimal.Decimal, error) {
	out := map[int64]map[int64]map[string]decimal.Decimal{}
	if len(windows) == 0 {
		return out, nil
	}
	bySub := map[int64][]usageWindow{}
	for _, w := range windows {
		bySub[w.sub] = append(bySub[w.sub], w)
	}
	rows, err := tx.QueryContext(ctx, `SELECT u.subscription_id, u.metric, u.quantity, u.unique_id, u.period_start FROM usage_records u JOIN subscriptions s ON s.id = u.subscription_id
		WHERE s.customer_id > $1 AND s.customer_id <= $2 AND u.period_start >= $3 AND u.period_start < $4 ORDER BY u.subscription_id, u.period_start, u.id`,
		lo, hi, usageTime(from), usageTime(b.opts.Period.End()))
	if err != nil {
		return nil, fmt.Errorf("usage to bill: %w", err)
	}
	defer rows.Close()
	type aggKey struct {
		sub    int64
		from   int64
		metric string
	}
	aggs := map[aggKey]*Aggregator{}
	for rows.Next() {
		var (
			sub        int64
			metric, id string
			qty        decimal.Decimal
			start      time.Time
		)
		if err := rows.Scan(&sub, &metric, &qty, &id, &start); err != nil {
			return nil, fmt.Errorf("scan usage: %w", err)
		}
		for _, w := range bySub[sub] {
			kind, ok := w.metrics[metric]
			if !ok || start.Before(w.w.From) || !start.Before(w.w.To) {
				continue
			}
			k := aggKey{sub, w.w.From.Unix(), metric}
			a := aggs[k]
			if a == nil {
				a = NewAggregator(kind)
				aggs[k] = a
			}
			a.Add(qty, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for k, a := range aggs {
		if out[k.sub] == nil {
			out[k.sub] = map[int64]map[string]decimal.Decimal{}
		}
		if out[k.sub][k.from] == nil {
			out[k.sub][k.from] = map[string]decimal.Decimal{}
		}
		out[k.sub][k.from][k.metric] = a.Result()
	}
	return out, nil
}

// changes returns the CHANGE orders placed in the month by the chunk's
// customers, each with the plan and quantity it changed from (the order
// before it).
func (b *biller) changes(ctx context.Context, tx *txn, lo, hi int64) (map[int64][]billing.Change, error) {
	rows, err := tx.QueryContext(ctx, `SELECT o.id, o.subscription_id, o.plan_id, o.quantity, o.created_at FROM orders o JOIN subscriptions s ON s.id = o.subscription_id
		WHERE s.customer_id > $1 AND s.customer_id <= $2 AND o.type = $3 AND o.created_at >= $4 AND o.created_at < $5 ORDER BY o.id`,
		lo, hi, string(subscription.OrderChange), b.opts.Period.Start(), b.opts.Period.End())
	if err != nil {
		return nil, fmt.Errorf("changes to bill: %w", err)
	}
	type row struct {
		id, sub, plan, qty int64
		at                 time.Time
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.sub, &r.plan, &r.qty, &r.at); err != nil {
			rows.Close()
			return nil, err
		}
		r.at = r.at.UTC()
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := map[int64][]billing.Change{}
	for _, r := range rs {
		var oldPlan, oldQty int64
		if err := tx.QueryRowContext(ctx, `SELECT plan_id, quantity FROM orders WHERE subscription_id = $1 AND id < $2 ORDER BY id DESC LIMIT 1`, r.sub, r.id).Scan(&oldPlan, &oldQty); err != nil {
			return nil, fmt.Errorf("order before change %d: %w", r.id, err)
		}
		np, err := b.plan(ctx, tx, r.plan)
		if err != nil {
			return nil, err
		}
		op, err := b.plan(ctx, tx, oldPlan)
		if err != nil {
			return nil, err
		}
		out[r.sub] = append(out[r.sub], billing.Change{OrderID: r.id, At: r.at, OldPlan: op.Pricing, OldQty: oldQty, NewPlan: np.Pricing, NewQty: r.qty, PlanName: np.Name})
	}
	return out, nil
}

// renewAll renews or ends every subscription whose term is over at AsOf,
// one transaction per subscription, each with its MODIFIED event.
func (s *Store) renewAll(ctx context.Context, run *BillingRun, opts BillingOptions) error {
	sp, err := s.systemPrincipal(ctx, s.rd())
	if err != nil {
		return err
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT id FROM subscriptions WHERE end_date <= $1 AND deployment_status IN ('PENDING','POST_CONFIGURATION','DEPLOYED','STOPPED','FAILED') ORDER BY id`, opts.AsOf)
	if err != nil {
		return fmt.Errorf("subscriptions to renew: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		var action string
		err := s.tx(ctx, func(tx *txn) error {
			sub, err := s.subscription(ctx, tx, sp, id)
			if err != nil {
				return err
			}
			plan, err := s.planByID(ctx, tx, sub.PlanID)
			if err != nil {
				return err
			}
			bs := billing.Subscription{ID: sub.ID, Type: string(sub.Type), Status: string(sub.Status), AutoRenew: sub.AutoRenew, Quantity: sub.Quantity,
				Start: sub.StartDate, End: sub.EndDate, Pricing: plan.Pricing}
			var newEnd time.Time
			action, newEnd, err = billing.RenewalDecision(bs, opts.AsOf)
			switch {
			case err != nil:
				return err
			case action == billing.RenewalRenew:
				prod, err := s.productByID(ctx, tx, sub.ProductID)
				if err != nil {
					return err
				}
				q, err := s.quote(ctx, tx, sp, plan, prod, QuoteRequest{PlanID: plan.ID, Quantity: sub.Quantity, CustomerID: sub.CustomerID, Renewal: true})
				if err != nil {
					return fmt.Errorf("renewal price: %w", err)
				}
				sub.EndDate = newEnd
				order := subscription.Order{Type: subscription.OrderRenewal, CustomerID: sub.CustomerID, PlanID: plan.ID, SubscriptionID: sub.ID,
					Quantity: sub.Quantity, Configuration: sub.Configuration, Currency: q.Currency, Total: q.Total, Lines: q.Lines, CreatedAt: s.now()}
				if err := s.insertOrder(ctx, tx, sp, &order); err != nil {
					return err
				}
			case action == billing.RenewalEnd:
				to, err := subscription.Next(sub.Status, subscription.ActionTerminate)
				if err != nil {
					return err
				}
				sub.Status = to
			default:
				return nil
			}
			if err := s.saveSubscription(ctx, tx, &sub); err != nil {
				return err
			}
			return s.recordEvent(ctx, tx, subscription.EntitySubscription, sub.ID, subscription.EventModified, map[string]string{"reason": action})
		})
		if err != nil {
			return fmt.Errorf("renew subscription %d: %w", id, err)
		}
		switch action {
		case billing.RenewalRenew:
			run.Renewed++
		case billing.RenewalEnd:
			run.Ended++
		}
	}
	return nil
}

// insertInvoice writes a draft invoice, its lines and its CREATED event.
func (s *Store) insertInvoice(ctx context.Context, tx *txn, inv *billing.Invoice) error {
	issuer, err := jsonText(inv.Issuer)
	if err != nil {
		return err
	}
	customer, err := jsonText(inv.Customer)
	if err != nil {
		return err
	}
	var reseller, credited, runID *int64
	if inv.ResellerID != 0 {
		reseller = &inv.ResellerID
	}
	if inv.CreditedInvoiceID != 0 {
		credited = &inv.CreditedInvoiceID
	}
	if inv.RunID != 0 {
		runID = &inv.RunID
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO invoices (kind, issuer_id, customer_id, reseller_id, period, currency, status, tax_rate, tax_note, subtotal, tax, total, issuer, customer, credited_invoice_id, run_id, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) RETURNING id`,
		string(inv.Kind), inv.Issuer.ID, inv.Customer.ID, reseller, inv.Period, inv.Currency, string(inv.Status), inv.TaxRate.String(), inv.TaxNote,
		inv.Subtotal.String(), inv.Tax.String(), inv.Total.String(), issuer, customer, credited, runID, inv.CreatedAt, inv.UpdatedAt).Scan(&inv.ID)
	if err != nil {
		return fmt.Errorf("insert invoice: %w", err)
	}
	const cols = 16
	const batch = 400
	for start := 0; start < len(inv.Lines); start += batch {
		part := inv.Lines[start:min(start+batch, len(inv.Lines))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO invoice_lines (invoice_id, line_no, subscription_id, kind, ref, part, description, quantity, unit_amount, amount, tax_rate, tax, period_start, period_end, shares, id) VALUES `)
		args := make([]any, 0, len(part)*cols)
		for i, l := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			n := len(args)
			sb.WriteByte('(')
			for c := 1; c <= cols-1; c++ {
				if c > 1 {
					sb.WriteByte(',')
				}
				sb.WriteString("$" + strconv.Itoa(n+c))
			}
			sb.WriteString(",DEFAULT)")
			var sub *int64
			if l.SubscriptionID != 0 {
				sub = &l.SubscriptionID
			}
			shares := "[]"
			if len(l.Shares) > 0 {
				if shares, err = jsonText(l.Shares); err != nil {
					return err
				}
			}
			args = append(args, inv.ID, l.No, sub, l.Kind, l.Ref, l.Part, l.Description, l.Quantity.String(), l.UnitAmount.String(), l.Amount.String(),
				l.TaxRate.String(), l.Tax.String(), l.PeriodStart.UTC(), l.PeriodEnd.UTC(), shares)
		}
		if _, err := tx.tx.ExecContext(ctx, s.defaultID(sb.String()), args...); err != nil {
			if isUniqueViolation(err) {
				return mercato.Errorf(mercato.ECONFLICT, "another billing run is billing the same charges; run again")
			}
			return fmt.Errorf("insert invoice lines: %w", err)
		}
	}
	return s.recordEvent(ctx, tx, subscription.EntityInvoice, inv.ID, subscription.EventCreated, map[string]string{"kind": string(inv.Kind)})
}

// defaultID adapts the ",DEFAULT)" id of a multi-row insert: SQLite has
// no DEFAULT in VALUES, where NULL makes a new rowid.
func (s *Store) defaultID(q string) string {
	if s.engine == SQLite {
		return strings.ReplaceAll(q, ",DEFAULT)", ",NULL)")
	}
	return q
}

// issue gives a draft its number (gapless per issuer, series and year: the
// counter moves in the same transaction), its issue and due dates, posts
// its ledger entries and records a MODIFIED event.
func (s *Store) issue(ctx context.Context, tx *txn, inv *billing.Invoice, policy billing.DunningPolicy) error {
	if inv.Status != billing.StatusDraft {
		return mercato.Errorf(mercato.ECONFLICT, "invoice %d is %s, not a draft", inv.ID, inv.Status)
	}
	now := s.now()
	var seq int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO invoice_sequences (issuer_id, series, year, last) VALUES ($1,$2,$3,1)
		ON CONFLICT (issuer_id, series, year) DO UPDATE SET last = invoice_sequences.last + 1 RETURNING last`,
		inv.Issuer.ID, string(inv.Kind), now.Year()).Scan(&seq); err != nil {
		return fmt.Errorf("invoice number: %w", err)
	}
	inv.Number = billing.Number(inv.Kind, now.Year(), seq)
	inv.Status = billing.StatusIssued
	inv.IssuedAt = &now
	due := now.AddDate(0, 0, policy.PaymentTermsDays)
	if inv.Kind == billing.KindCreditNote {
		due = now
	}
	inv.DueAt = &due
	inv.UpdatedAt = now
	if _, err := tx.ExecContext(ctx, `UPDATE invoices SET number=$1, status=$2, issued_at=$3, due_at=$4, updated_at=$5 WHERE id=$6`,
		inv.Number, string(inv.Status), now, due, now, inv.ID); err != nil {
		return fmt.Errorf("issue invoice %d: %w", inv.ID, err)
	}
	if err := s.postLedger(ctx, tx, *inv); err != nil {
		return err
	}
	return s.recordEvent(ctx, tx, subscription.EntityInvoice, inv.ID, subscription.EventModified, map[string]string{"status": string(inv.Status)})
}

// postLedger writes an issued invoice's balanced entries.
func (s *Store) postLedger(ctx context.Context, tx *txn, inv billing.Invoice) error {
	entries := billing.Entries(inv)
	if !billing.Balanced(entries) {
		return fmt.Errorf("invoice %d: ledger entries do not balance", inv.ID)
	}
	now := s.now()
	const batch = 300
	for start := 0; start < len(entries); start += batch {
		part := entries[start:min(start+batch, len(entries))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ledger_entries (invoice_id, line_no, account, role, organization_id, debit, credit, currency, period, created_at, id) VALUES `)
		args := make([]any, 0, len(part)*10)
		for i, e := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,DEFAULT)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			var org *int64
			if e.OrganizationID != 0 {
				org = &e.OrganizationID
			}
			args = append(args, inv.ID, e.LineNo, e.Account, e.Role, org, e.Debit.String(), e.Credit.String(), inv.Currency, inv.Period, now)
		}
		if _, err := tx.tx.ExecContext(ctx, s.defaultID(sb.String()), args...); err != nil {
			return fmt.Errorf("post ledger of invoice %d: %w", inv.ID, err)
		}
	}
	return nil
}
