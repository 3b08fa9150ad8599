package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Polling support, for internal/metering. These run as the system, not on
// a caller's behalf.

// MeteredProducts returns the products with a live (DEPLOYED or STOPPED)
// subscription whose integration metadata sets one of keys to a non-empty
// value.
func (s *Store) MeteredProducts(ctx context.Context, keys []string) ([]catalog.Product, error) {
	q := &query{}
	q.add("SELECT " + productColumns + " FROM products p WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.product_id = p.id AND s.deployment_status IN ('DEPLOYED','STOPPED')) AND (FALSE")
	for _, k := range keys {
		q.add(" OR CAST(p.metadata AS TEXT) LIKE %a", "%"+k+"%")
	}
	q.add(") ORDER BY p.id")
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("metered products: %w", err)
	}
	defer rows.Close()
	var out []catalog.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("scan product: %w", err)
		}
		for _, k := range keys {
			if strings.TrimSpace(p.Metadata[k]) != "" {
				out = append(out, p)
				break
			}
		}
	}
	return out, rows.Err()
}

// ClaimUsagePoll claims the poll of a product's window for lease: true
// when this caller is to poll it. A window is polled once; a claim whose
// lease ran out before it was finished (its process died) is taken again.
func (s *Store) ClaimUsagePoll(ctx context.Context, productID int64, window time.Time, lease time.Duration) (bool, error) {
	now := s.now()
	window = usageTime(window)
	res, err := s.db.ExecContext(ctx, `INSERT INTO usage_polls (product_id, window_start, locked_until) VALUES ($1,$2,$3) ON CONFLICT (product_id, window_start) DO NOTHING`,
		productID, window, micros(now.Add(lease)))
	if err != nil {
		return false, fmt.Errorf("claim usage poll: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	res, err = s.db.ExecContext(ctx, `UPDATE usage_polls SET locked_until = $1 WHERE product_id = $2 AND window_start = $3 AND finished_at IS NULL AND locked_until < $4`,
		micros(now.Add(lease)), productID, window, micros(now))
	if err != nil {
		return false, fmt.Errorf("reclaim usage poll: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishUsagePoll records how a claimed poll went.
func (s *Store) FinishUsagePoll(ctx context.Context, productID int64, window time.Time, polled, failed int, lastErr string) error {
	if len(lastErr) > 1024 {
		lastErr = lastErr[:1024]
	}
	_, err := s.db.ExecContext(ctx, `UPDATE usage_polls SET finished_at = $1, polled = $2, failed = $3, last_error = $4 WHERE product_id = $5 AND window_start = $6`,
		s.now(), polled, failed, strings.ToValidUTF8(lastErr, "?"), productID, usageTime(window))
	if err != nil {
		return fmt.Errorf("finish usage poll: %w", err)
	}
	return nil
}

// PollWindow is the record of one product's poll window.
type PollWindow struct {
	ProductID      int64
	WindowStart    time.Time
	Finished       bool
	Polled, Failed int
	LastError      string
}

// UsagePolls lists a product's poll windows, oldest first.
func (s *Store) UsagePolls(ctx context.Context, productID int64) ([]PollWindow, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT product_id, window_start, finished_at, polled, failed, last_error FROM usage_polls WHERE product_id = $1 ORDER BY window_start`, productID)
	if err != nil {
		return nil, fmt.Errorf("usage polls: %w", err)
	}
	defer rows.Close()
	var out []PollWindow
	for rows.Next() {
		var p PollWindow
		var fin sql.NullTime
		if err := rows.Scan(&p.ProductID, &p.WindowStart, &fin, &p.Polled, &p.Failed, &p.LastError); err != nil {
			return nil, err
		}
		p.WindowStart, p.Finished = p.WindowStart.UTC(), fin.Valid
		out = append(out, p)
	}
	return out, rows.Err()
}

// PolledSubscription is a live subscription of a metered product with its
// plan's metrics.
type PolledSubscription struct {
	ID      int64
	Metrics []pricing.Metric
}

// PollableSubscriptions lists the DEPLOYED and STOPPED subscriptions of a
// product with their plans' metrics.
func (s *Store) PollableSubscriptions(ctx context.Context, productID int64) ([]PolledSubscription, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT s.id, pl.pricing FROM subscriptions s JOIN plans pl ON pl.id = s.plan_id
		WHERE s.product_id = $1 AND s.deployment_status IN ('DEPLOYED','STOPPED') ORDER BY s.id`, productID)
	if err != nil {
		return nil, fmt.Errorf("pollable subscriptions: %w", err)
	}
	defer rows.Close()
	var out []PolledSubscription
	for rows.Next() {
		var ps PolledSubscription
		var pr pricing.Pricing
		if err := rows.Scan(&ps.ID, jsonColumn{&pr}); err != nil {
			return nil, fmt.Errorf("scan subscription: %w", err)
		}
		ps.Metrics = pr.Normalize().Metrics
		out = append(out, ps)
	}
	return out, rows.Err()
}

// Reading is one value read from a metric URL.
type Reading struct {
	Metric string
	Value  decimal.Decimal
}

// PollKey is the idempotency key of a polled record: one per subscription,
// metric and poll window.
func PollKey(window time.Time, metric string) string {
	return PollKeyPrefix + usageTime(window).Format(time.RFC3339) + ":" + metric
}

// RecordPolledUsage records the readings of one subscription's poll in the
// window [start, end). A gauge's reading (aggregation max, average, last)
// is its quantity; a counter's reading (aggregation sum) is cumulative and
// its quantity is the increase since the previous poll's reading (the
// whole reading after a reset to a lower value, or for the first reading).
// A reading already recorded for the window is skipped, so a poll that is
// repeated within its window counts nothing twice. Readings of metrics the
// plan does not have, of unique_count metrics (a reading holds no ids) and
// negative ones are skipped, with the reason in skipped.
func (s *Store) RecordPolledUsage(ctx context.Context, subID int64, start, end time.Time, readings []Reading) (created []UsageRecord, skipped []string, err error) {
	start, end = usageTime(start), usageTime(end)
	err = s.tx(ctx, func(tx *txn) error {
		created, skipped = nil, nil
		m, err := s.meteredSubscription(ctx, tx, nil, subID)
		if err != nil {
			return err
		}
		if m.status != subscription.Deployed && m.status != subscription.Stopped {
			skipped = append(skipped, fmt.Sprintf("subscription is %s", m.status))
			return nil
		}
		for _, r := range readings {
			mt, ok := m.metric(r.Metric)
			switch {
			case !ok:
				skipped = append(skipped, fmt.Sprintf("%s: the plan has no such metric", r.Metric))
				continue
			case mt.Aggregation == pricing.AggregationUniqueCount:
				skipped = append(skipped, fmt.Sprintf("%s: unique_count metrics are pushed, not polled", r.Metric))
				continue
			case r.Value.IsNegative():
				skipped = append(skipped, fmt.Sprintf("%s: negative value %s", r.Metric, r.Value))
				continue
			}
			reading := r.Value
			rec := UsageRecord{SubscriptionID: subID, Metric: r.Metric, Quantity: reading, PeriodStart: start, PeriodEnd: end,
				Source: UsagePoll, IdempotencyKey: PollKey(start, r.Metric), Reading: &reading, CreatedAt: s.now()}
			if mt.Aggregation == pricing.AggregationSum {
				var prev decimal.NullDecimal
				err := tx.QueryRowContext(ctx, `SELECT reading FROM usage_records WHERE subscription_id = $1 AND metric = $2 AND source = 'poll' AND reading IS NOT NULL
					AND period_start < $3 ORDER BY period_start DESC, id DESC LIMIT 1`, subID, r.Metric, start).Scan(&prev)
				if err != nil && !errors.Is(err, sql.ErrNoRows) {
					return fmt.Errorf("previous reading: %w", err)
				}
				if prev.Valid && reading.GreaterThanOrEqual(prev.Decimal) {
					rec.Quantity = reading.Sub(prev.Decimal)
				}
			}
			inserted, err := s.insertUsage(ctx, tx, &rec, "")
			if err != nil {
				return err
			}
			if !inserted {
				skipped = append(skipped, fmt.Sprintf("%s: already recorded for this window", r.Metric))
				continue
			}
			created = append(created, rec)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("record polled usage of subscription %d: %w", subID, err)
	}
	return created, skipped, nil
}
