package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/usage"
)

// Metered usage (internal/usage decides what is recorded): raw records,
// one row per report, read back as lists and folded with the metric's
// aggregation (UsageSummary) as billing folds them.

const usageColumns = "u.id, u.subscription_id, u.metric, u.quantity, u.period_start, u.period_end, u.source, u.idempotency_key, u.unique_id, u.reading, u.reported_by, u.created_at, u.voided_at, u.voided_by, u.void_reason"

func scanUsage(row scanner) (usage.Record, error) {
	var r usage.Record
	var key sql.NullString
	var reading decimal.NullDecimal
	var by, voidedBy sql.NullInt64
	var voided sql.NullTime
	err := row.Scan(&r.ID, &r.SubscriptionID, &r.Metric, &r.Quantity, &r.PeriodStart, &r.PeriodEnd, &r.Source, &key, &r.UniqueID, &reading, &by, &r.CreatedAt,
		&voided, &voidedBy, &r.VoidReason)
	r.IdempotencyKey, r.ReportedBy, r.VoidedBy = key.String, by.Int64, voidedBy.Int64
	if voided.Valid {
		at := voided.Time.UTC()
		r.VoidedAt = &at
	}
	if reading.Valid {
		r.Reading = &reading.Decimal
	}
	r.PeriodStart, r.PeriodEnd, r.CreatedAt = r.PeriodStart.UTC(), r.PeriodEnd.UTC(), r.CreatedAt.UTC()
	return r, err
}

// meteredSubscription loads a subscription visible to p (every one when p
// is nil) with its plan's metrics.
func (s *Store) meteredSubscription(ctx context.Context, db queryer, p *mercato.Principal, id int64) (usage.Metered, error) {
	q := &query{}
	q.add("SELECT s.id, s.product_id, s.vendor_id, s.deployment_status, pl.pricing FROM subscriptions s JOIN plans pl ON pl.id = s.plan_id WHERE s.id = %a", id)
	if p != nil {
		q.add(" AND ")
		subscriptionScope(q, *p, "s")
	}
	var m usage.Metered
	var pr pricing.Pricing
	err := db.QueryRowContext(ctx, q.String(), q.args...).Scan(&m.ID, &m.ProductID, &m.VendorID, &m.Status, jsonColumn{&pr})
	if err != nil {
		return m, notFoundIfNoRows(err, "subscription", id)
	}
	m.Metrics = pr.Normalize().Metrics
	return m, nil
}

// UsageFilter narrows a list of usage records (usage.Filter).
type UsageFilter = usage.Filter

func usageWhere(q *query, subID int64, metric, source string, from, to time.Time) {
	q.add("u.subscription_id = %a", subID)
	if metric != "" {
		q.add(" AND u.metric = %a", metric)
	}
	if source != "" {
		q.add(" AND u.source = %a", source)
	}
	if !from.IsZero() {
		q.add(" AND u.period_start >= %a", usage.Time(from))
	}
	if !to.IsZero() {
		q.add(" AND u.period_start < %a", usage.Time(to))
	}
}

// ListUsage lists the usage records of a subscription visible to p (its
// customer, the customer's reseller and distributor, the product's vendor,
// the platform), oldest first.
func (s *Store) ListUsage(ctx context.Context, p mercato.Principal, subID int64, f UsageFilter, page Page) ([]usage.Record, int64, error) {
	if _, err := s.visibleSubscription(ctx, s.rd(), p, subID); err != nil {
		return nil, 0, err
	}
	q := &query{}
	q.add("SELECT " + usageColumns + " FROM usage_records u WHERE ")
	usageWhere(q, subID, f.Metric, f.Source, f.From, f.To)
	return list(ctx, s.rd(), q, "u.id", page, "usage", scanUsage, func(r usage.Record) int64 { return r.ID })
}

// UsageSamples returns the quantities and unique ids of a
// subscription's records of one metric over [from, to) (by period_start;
// zero bounds are open), in time order, for the usage service to fold.
func (s *Store) UsageSamples(ctx context.Context, subID int64, metric string, from, to time.Time) ([]usage.Sample, error) {
	q := &query{}
	q.add("SELECT u.quantity, u.unique_id FROM usage_records u WHERE ")
	usageWhere(q, subID, metric, "", from, to)
	q.add(" AND u.voided_at IS NULL") // a void record counts nowhere
	q.add(" ORDER BY u.period_start, u.id")
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("usage samples: %w", err)
	}
	defer rows.Close()
	var out []usage.Sample
	for rows.Next() {
		var smp usage.Sample
		if err := rows.Scan(&smp.Quantity, &smp.UniqueID); err != nil {
			return nil, fmt.Errorf("scan usage: %w", err)
		}
		out = append(out, smp)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("usage samples: %w", err)
	}
	return out, nil
}

// UsagePoints returns the records of a subscription that count (not void)
// over [from, to) (by period_start), in time order, for a usage series.
func (s *Store) UsagePoints(ctx context.Context, subID int64, from, to time.Time) ([]usage.Point, error) {
	q := &query{}
	q.add("SELECT u.metric, u.period_start, u.quantity, u.unique_id FROM usage_records u WHERE ")
	usageWhere(q, subID, "", "", from, to)
	q.add(" AND u.voided_at IS NULL ORDER BY u.period_start, u.id")
	var out []usage.Point
	err := each(ctx, s.rd(), q.String(), q.args, func(r *sql.Rows) error {
		var pt usage.Point
		if err := r.Scan(&pt.Metric, &pt.At, &pt.Quantity, &pt.UniqueID); err != nil {
			return err
		}
		pt.At = pt.At.UTC()
		out = append(out, pt)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("usage points: %w", err)
	}
	return out, nil
}

// MeteredSubscription loads a subscription visible to p with its plan's
// metrics.
func (s *Store) MeteredSubscription(ctx context.Context, p mercato.Principal, id int64) (usage.Metered, error) {
	return s.meteredSubscription(ctx, s.rd(), &p, id)
}
