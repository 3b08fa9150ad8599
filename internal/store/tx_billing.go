package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

// The reads a billing run makes inside the transaction of a chunk of
// customers, those in (lo, hi]: each is one query for the whole chunk.

// SubscriptionsToBill returns the chunk's subscriptions that started
// before the end of the month, in customer order.
func (tx *Tx) SubscriptionsToBill(ctx context.Context, lo, hi int64, before time.Time) ([]billing.Subscription, error) {
	rows, err := tx.t.QueryContext(ctx, `SELECT s.id, s.customer_id, s.reseller_id, s.plan_id, s.product_id, s.type, s.deployment_status, s.auto_renew, s.quantity, s.start_date, s.end_date
		FROM subscriptions s WHERE s.customer_id > $1 AND s.customer_id <= $2 AND s.start_date < $3 ORDER BY s.customer_id, s.id`, lo, hi, before)
	if err != nil {
		return nil, fmt.Errorf("subscriptions to bill: %w", err)
	}
	defer rows.Close()
	var subs []billing.Subscription
	for rows.Next() {
		var (
			sub      billing.Subscription
			reseller sql.NullInt64
		)
		if err := rows.Scan(&sub.ID, &sub.CustomerID, &reseller, &sub.PlanID, &sub.ProductID, &sub.Type, &sub.Status, &sub.AutoRenew, &sub.Quantity, &sub.Start, &sub.End); err != nil {
			return nil, fmt.Errorf("scan subscription: %w", err)
		}
		sub.ResellerID = reseller.Int64
		sub.Start, sub.End = sub.Start.UTC(), sub.End.UTC()
		subs = append(subs, sub)
	}
	return subs, rows.Err()
}

// BilledCharges returns the keys of the charges of the chunk already on an
// invoice line of a period that ends at from or later.
func (tx *Tx) BilledCharges(ctx context.Context, lo, hi int64, from time.Time) (map[billing.ChargeKey]bool, error) {
	billed := map[billing.ChargeKey]bool{}
	rows, err := tx.t.QueryContext(ctx, `SELECT l.subscription_id, l.kind, l.ref, l.period_start FROM invoice_lines l JOIN subscriptions s ON s.id = l.subscription_id
		WHERE s.customer_id > $1 AND s.customer_id <= $2 AND l.period_end >= $3 AND l.part = 0`, lo, hi, from)
	if err != nil {
		return nil, fmt.Errorf("billed charges: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id        int64
			kind, ref string
			start     time.Time
		)
		if err := rows.Scan(&id, &kind, &ref, &start); err != nil {
			return nil, fmt.Errorf("scan billed charge: %w", err)
		}
		billed[billing.KeyOf(id, kind, ref, start)] = true
	}
	return billed, rows.Err()
}

// UsageToBill aggregates the chunk's usage records of every window, from
// the earliest window's start to `to`, with each metric's aggregation (the
// store's [Aggregator], as [Store.UsageSummary] does): a record counts in
// the window its period starts in.
func (tx *Tx) UsageToBill(ctx context.Context, lo, hi int64, to time.Time, windows []billing.UsageWindow) (billing.Usage, error) {
	out := billing.Usage{}
	if len(windows) == 0 {
		return out, nil
	}
	from := windows[0].Window.From
	bySub := map[int64][]billing.UsageWindow{}
	for _, w := range windows {
		bySub[w.SubscriptionID] = append(bySub[w.SubscriptionID], w)
		if w.Window.From.Before(from) {
			from = w.Window.From
		}
	}
	rows, err := tx.t.QueryContext(ctx, `SELECT u.subscription_id, u.metric, u.quantity, u.unique_id, u.period_start FROM usage_records u JOIN subscriptions s ON s.id = u.subscription_id
		WHERE s.customer_id > $1 AND s.customer_id <= $2 AND u.period_start >= $3 AND u.period_start < $4 ORDER BY u.subscription_id, u.period_start, u.id`,
		lo, hi, usage.Time(from), usage.Time(to))
	if err != nil {
		return nil, fmt.Errorf("usage to bill: %w", err)
	}
	defer rows.Close()
	type aggKey struct {
		sub    int64
		from   int64
		metric string
	}
	aggs := map[aggKey]*pricing.Aggregator{}
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
			kind, ok := w.Aggregations[metric]
			if !ok || start.Before(w.Window.From) || !start.Before(w.Window.To) {
				continue
			}
			k := aggKey{sub, w.Window.From.Unix(), metric}
			a := aggs[k]
			if a == nil {
				a = pricing.NewAggregator(kind)
				aggs[k] = a
			}
			a.Add(qty, id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage to bill: %w", err)
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

// ChangesToBill returns the CHANGE orders placed in the month by the
// chunk's customers, by subscription, each with the plan and quantity it
// changed from (those of the order before it).
func (tx *Tx) ChangesToBill(ctx context.Context, lo, hi int64, m billing.Month) (map[int64][]billing.Change, error) {
	rows, err := tx.t.QueryContext(ctx, `SELECT o.id, o.subscription_id, o.plan_id, o.quantity, o.created_at FROM orders o JOIN subscriptions s ON s.id = o.subscription_id
		WHERE s.customer_id > $1 AND s.customer_id <= $2 AND o.type = $3 AND o.created_at >= $4 AND o.created_at < $5 ORDER BY o.id`,
		lo, hi, string(subscription.OrderChange), m.Start(), m.End())
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
			return nil, fmt.Errorf("scan change: %w", err)
		}
		r.at = r.at.UTC()
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("changes to bill: %w", err)
	}
	out := map[int64][]billing.Change{}
	plans := map[int64]catalog.Plan{}
	plan := func(id int64) (catalog.Plan, error) {
		if p, ok := plans[id]; ok {
			return p, nil
		}
		p, err := tx.s.planByID(ctx, tx.t, id)
		plans[id] = p
		return p, err
	}
	for _, r := range rs {
		var oldPlan, oldQty int64
		if err := tx.t.QueryRowContext(ctx, `SELECT plan_id, quantity FROM orders WHERE subscription_id = $1 AND id < $2 ORDER BY id DESC LIMIT 1`, r.sub, r.id).Scan(&oldPlan, &oldQty); err != nil {
			return nil, fmt.Errorf("order before change %d: %w", r.id, err)
		}
		np, err := plan(r.plan)
		if err != nil {
			return nil, err
		}
		op, err := plan(oldPlan)
		if err != nil {
			return nil, err
		}
		out[r.sub] = append(out[r.sub], billing.Change{OrderID: r.id, At: r.at, OldPlan: op.Pricing, OldQty: oldQty, NewPlan: np.Pricing, NewQty: r.qty, PlanName: np.Name})
	}
	return out, nil
}

// OrganizationByID returns an organization, whoever may see it.
func (tx *Tx) OrganizationByID(ctx context.Context, id int64) (mercato.Organization, error) {
	return tx.s.orgByID(ctx, tx.t, id)
}

// Channel returns how a plan's price reaches a customer: the vendor's fee
// and the markups along the reseller chain.
func (tx *Tx) Channel(ctx context.Context, planID, vendorID, resellerID, customerID int64) (billing.Channel, error) {
	fee, markups, err := tx.s.channel(ctx, tx.t, planID, vendorID, resellerID, customerID)
	if err != nil {
		return billing.Channel{}, err
	}
	return billing.Channel{VendorID: vendorID, FeePercent: fee, Markups: markups}, nil
}

// The subscription changes billing makes: renewals, dunning, settling.

// LockSubscription returns a subscription visible to p, locked for the
// transaction on PostgreSQL.
func (tx *Tx) LockSubscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return tx.s.subscription(ctx, tx.t, p, id)
}

// RenewalQuote prices the next term of a subscription of plan for its
// customer, through its channel and without setup fee, as p sees it.
func (tx *Tx) RenewalQuote(ctx context.Context, p mercato.Principal, sub subscription.Subscription, plan catalog.Plan) (pricing.Quote, error) {
	prod, err := tx.s.productByID(ctx, tx.t, sub.ProductID)
	if err != nil {
		return pricing.Quote{}, err
	}
	return tx.s.quote(ctx, tx.t, p, plan, prod, QuoteRequest{PlanID: plan.ID, Quantity: sub.Quantity, CustomerID: sub.CustomerID, Renewal: true})
}

// InsertRenewalOrder writes the RENEWAL order of a subscription, on behalf
// of p.
func (tx *Tx) InsertRenewalOrder(ctx context.Context, p mercato.Principal, o *subscription.Order) error {
	return tx.s.insertOrder(ctx, tx.t, p, o)
}

// ModifySubscription saves a subscription billing changed (status, paid,
// end date) and records its MODIFIED event with the reason.
func (tx *Tx) ModifySubscription(ctx context.Context, sub *subscription.Subscription, reason string) error {
	if err := tx.s.saveSubscription(ctx, tx.t, sub); err != nil {
		return err
	}
	return tx.s.recordEvent(ctx, tx.t, subscription.EntitySubscription, sub.ID, subscription.EventModified, map[string]string{"reason": reason})
}
