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

const usageColumns = "u.id, u.subscription_id, u.metric, u.quantity, u.period_start, u.period_end, u.source, u.idempotency_key, u.unique_id, u.reading, u.reported_by, u.created_at"

func scanUsage(row scanner) (usage.Record, error) {
	var r usage.Record
	var key sql.NullString
	var reading decimal.NullDecimal
	var by sql.NullInt64
	err := row.Scan(&r.ID, &r.SubscriptionID, &r.Metric, &r.Quantity, &r.PeriodStart, &r.PeriodEnd, &r.Source, &key, &r.UniqueID, &reading, &by, &r.CreatedAt)
	r.IdempotencyKey, r.ReportedBy = key.String, by.Int64
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
	q.add("SELECT s.id, s.product_id, pr.vendor_id, s.deployment_status, pl.pricing FROM subscriptions s JOIN products pr ON pr.id = s.product_id JOIN plans pl ON pl.id = s.plan_id WHERE s.id = %a", id)
	if p != nil {
		q.add(" AND ")
		subscriptionScope(q, *p, "s.customer_id", "s.product_id")
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

// UsageFilter narrows a list of usage records. From and To bound
// period_start to [From, To); zero means unbounded.
type UsageFilter struct {
	Metric   string
	Source   string
	From, To time.Time
}

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

// UsageTotal is a metric's usage over a window, folded with its
// aggregation: the quantity billing prices.
type UsageTotal struct {
	SubscriptionID int64
	Metric         string
	Unit           string
	Aggregation    string
	From, To       time.Time // zero: unbounded
	Quantity       decimal.Decimal
	Records        int // how many records were folded
}

// AverageDecimals is the precision of an average: sum / count rounded
// half away from zero to this many decimal places.
const AverageDecimals = 12

// UsageSummary aggregates a subscription's usage of one metric of its plan
// over [from, to) (by period_start; zero bounds are open) with the metric's
// aggregation, in decimals:
//
//   - sum: the total of the quantities (counters);
//   - max: the largest quantity (a peaked gauge);
//   - average: the mean of the records' quantities, to AverageDecimals
//     places (an averaged gauge sampled at regular intervals);
//   - last: the quantity of the latest record (by period_start, then by
//     arrival);
//   - unique_count: how many distinct unique_ids were reported.
//
// No records give zero.
func (s *Store) UsageSummary(ctx context.Context, p mercato.Principal, subID int64, metric string, from, to time.Time) (UsageTotal, error) {
	out := UsageTotal{SubscriptionID: subID, Metric: metric, From: from, To: to, Quantity: decimal.Zero}
	m, err := s.meteredSubscription(ctx, s.rd(), &p, subID)
	if err != nil {
		return out, err
	}
	mt, ok := m.Metric(metric)
	if !ok {
		return out, mercato.Invalid("invalid usage summary", mercato.FieldError{Path: "metric", Message: "the subscription's plan has no metric with this name", Value: metric})
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return out, mercato.Invalid("invalid usage summary", mercato.FieldError{Path: "to", Message: "must be after from"})
	}
	out.Unit, out.Aggregation = mt.Unit, mt.Aggregation
	q := &query{}
	q.add("SELECT u.quantity, u.unique_id FROM usage_records u WHERE ")
	usageWhere(q, subID, metric, "", from, to)
	q.add(" ORDER BY u.period_start, u.id")
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return out, fmt.Errorf("usage summary: %w", err)
	}
	defer rows.Close()
	agg := NewAggregator(mt.Aggregation)
	for rows.Next() {
		var qty decimal.Decimal
		var uid string
		if err := rows.Scan(&qty, &uid); err != nil {
			return out, fmt.Errorf("scan usage: %w", err)
		}
		agg.Add(qty, uid)
	}
	if err := rows.Err(); err != nil {
		return out, fmt.Errorf("usage summary: %w", err)
	}
	out.Quantity, out.Records = agg.Result(), agg.n
	return out, nil
}

// Aggregator folds usage records, added in time order, with one of the
// pricing aggregations.
type Aggregator struct {
	kind   string
	n      int
	sum    decimal.Decimal
	max    decimal.Decimal
	last   decimal.Decimal
	unique map[string]struct{}
}

// NewAggregator returns an aggregator for kind (sum when empty).
func NewAggregator(kind string) *Aggregator {
	if kind == "" {
		kind = pricing.AggregationSum
	}
	return &Aggregator{kind: kind, unique: map[string]struct{}{}}
}

// Add folds one record in.
func (a *Aggregator) Add(qty decimal.Decimal, uniqueID string) {
	if a.n == 0 || qty.GreaterThan(a.max) {
		a.max = qty
	}
	a.n++
	a.sum = a.sum.Add(qty)
	a.last = qty
	if uniqueID != "" {
		a.unique[uniqueID] = struct{}{}
	}
}

// Result is the folded quantity; zero when nothing was added.
func (a *Aggregator) Result() decimal.Decimal {
	if a.n == 0 {
		return decimal.Zero
	}
	switch a.kind {
	case pricing.AggregationMax:
		return a.max
	case pricing.AggregationAverage:
		return a.sum.DivRound(decimal.NewFromInt(int64(a.n)), AverageDecimals)
	case pricing.AggregationLast:
		return a.last
	case pricing.AggregationUniqueCount:
		return decimal.NewFromInt(int64(len(a.unique)))
	}
	return a.sum
}
