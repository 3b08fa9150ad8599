package store

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

// The usage a billing run charges inside the transaction of a chunk of
// customers, those in (lo, hi]: one query for the whole chunk.

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
		WHERE s.customer_id > $1 AND s.customer_id <= $2 AND u.period_start >= $3 AND u.period_start < $4 AND u.voided_at IS NULL ORDER BY u.subscription_id, u.period_start, u.id`,
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

// OrganizationByID returns an organization, whoever may see it.
func (tx *Tx) OrganizationByID(ctx context.Context, id int64) (mercato.Organization, error) {
	return tx.s.orgByID(ctx, tx.t, id)
}

// The subscription changes billing makes: renewals, dunning, settling.

// LockSubscription returns a subscription visible to p, locked for the
// transaction on PostgreSQL.
func (tx *Tx) LockSubscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return tx.s.subscription(ctx, tx.t, p, id, true)
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

// RenewalNotice records that the renewal notice of the term ending at end
// was sent, with its Subscription MODIFIED event.
func (tx *Tx) RenewalNotice(ctx context.Context, subID int64, end time.Time, metadata map[string]string) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE subscriptions SET renewal_notice_for = $1 WHERE id = $2`, end, subID); err != nil {
		return fmt.Errorf("renewal notice of subscription %d: %w", subID, err)
	}
	return tx.s.recordEvent(ctx, tx.t, subscription.EntitySubscription, subID, subscription.EventModified, metadata)
}
