package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Metered usage. A subscription's provider (the product's vendor) or the
// platform pushes usage records; the poller (internal/metering) reads the
// product's metric URL and records what it reads. Records are kept raw, one
// row per report, so that billing can fold a period's records with the
// metric's aggregation (UsageSummary). A record covers a period
// [period_start, period_end] (a point in time when both are equal) and
// falls in a query window [from, to) by its period_start.

// Usage sources.
const (
	UsagePush = "push"
	UsagePoll = "poll"
)

// PollKeyPrefix starts the idempotency keys of polled records; pushed keys
// may not use it.
const PollKeyPrefix = "poll:"

// Limits of a usage report.
const (
	maxUsageDecimals = 12
	maxUsageKey      = 200
)

var maxUsageQuantity = decimal.New(1, 18)

// UsageRecord is one reported quantity of a metric.
type UsageRecord struct {
	ID             int64
	SubscriptionID int64
	Metric         string
	Quantity       decimal.Decimal
	PeriodStart    time.Time
	PeriodEnd      time.Time
	Source         string
	IdempotencyKey string
	UniqueID       string
	// Reading is the value a poll read (for a counter, the cumulative
	// total; Quantity is then the increase since the previous reading).
	Reading    *decimal.Decimal
	ReportedBy int64 // the pushing organization; 0 for polls
	CreatedAt  time.Time
}

// UsageReport is a pushed usage record. Either OccurredAt, or PeriodStart
// and PeriodEnd, or neither (meaning now) is set.
type UsageReport struct {
	Metric         string
	Quantity       decimal.Decimal
	OccurredAt     *time.Time
	PeriodStart    *time.Time
	PeriodEnd      *time.Time
	IdempotencyKey string // a repeat with the same key is not counted again
	UniqueID       string // what unique_count metrics count
}

const usageColumns = "u.id, u.subscription_id, u.metric, u.quantity, u.period_start, u.period_end, u.source, u.idempotency_key, u.unique_id, u.reading, u.reported_by, u.created_at"

func scanUsage(row scanner) (UsageRecord, error) {
	var r UsageRecord
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

// usageTime is the stored form of a time: UTC at microseconds.
func usageTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// validateUsage checks a report and returns its period.
func (s *Store) validateUsage(r UsageReport) (start, end time.Time, err error) {
	var fe mercato.FieldErrors
	if r.Metric == "" || len(r.Metric) > 64 {
		fe.Add("metric", "is required (at most 64 characters)")
	}
	switch {
	case r.Quantity.IsNegative():
		fe.Add("quantity", "must not be negative")
	case !r.Quantity.Equal(r.Quantity.Truncate(maxUsageDecimals)):
		fe.Add("quantity", "at most %d decimal places", maxUsageDecimals)
	case r.Quantity.GreaterThanOrEqual(maxUsageQuantity):
		fe.Add("quantity", "must be less than 10^18")
	}
	if len(r.IdempotencyKey) > maxUsageKey {
		fe.Add("idempotency_id", "at most %d characters", maxUsageKey)
	}
	if strings.HasPrefix(r.IdempotencyKey, PollKeyPrefix) {
		fe.Add("idempotency_id", "must not start with %q (reserved for polled usage)", PollKeyPrefix)
	}
	if len(r.UniqueID) > maxUsageKey {
		fe.Add("unique_id", "at most %d characters", maxUsageKey)
	}
	now := s.now()
	switch {
	case r.OccurredAt != nil && (r.PeriodStart != nil || r.PeriodEnd != nil):
		fe.Add("occurred_at", "give either occurred_at or period, not both")
	case r.OccurredAt != nil:
		start, end = usageTime(*r.OccurredAt), usageTime(*r.OccurredAt)
	case r.PeriodStart != nil && r.PeriodEnd != nil:
		start, end = usageTime(*r.PeriodStart), usageTime(*r.PeriodEnd)
		if end.Before(start) {
			fe.Add("period.end", "must not be before period.start")
		}
	case r.PeriodStart != nil || r.PeriodEnd != nil:
		fe.Add("period", "needs both start and end")
	default:
		start, end = now, now
	}
	if start.After(now.Add(5 * time.Minute)) {
		fe.Add("period.start", "must not be in the future")
	}
	return start, end, fe.Err("invalid usage")
}

// usageHash identifies a report as its sender gave it, so that a retry
// with the same idempotency key is recognised (and one with another body
// refused) even when the time was left to the server.
func usageHash(r UsageReport) string {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return usageTime(*t).Format(time.RFC3339Nano)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{r.Metric, r.Quantity.String(), ts(r.OccurredAt), ts(r.PeriodStart), ts(r.PeriodEnd), r.UniqueID}, "\x00")))
	return hex.EncodeToString(sum[:])
}

// metered is a subscription as usage sees it.
type metered struct {
	id, productID, vendorID int64
	status                  subscription.Status
	metrics                 []pricing.Metric
}

func (m metered) metric(name string) (pricing.Metric, bool) {
	for _, mt := range m.metrics {
		if mt.Name == name {
			return mt, true
		}
	}
	return pricing.Metric{}, false
}

// meteredSubscription loads a subscription visible to p (every one when p
// is nil) with its plan's metrics.
func (s *Store) meteredSubscription(ctx context.Context, db queryer, p *mercato.Principal, id int64) (metered, error) {
	q := &query{}
	q.add("SELECT s.id, s.product_id, pr.vendor_id, s.deployment_status, pl.pricing FROM subscriptions s JOIN products pr ON pr.id = s.product_id JOIN plans pl ON pl.id = s.plan_id WHERE s.id = %a", id)
	if p != nil {
		q.add(" AND ")
		subscriptionScope(q, *p, "s.customer_id", "s.product_id")
	}
	var m metered
	var pr pricing.Pricing
	err := db.QueryRowContext(ctx, q.String(), q.args...).Scan(&m.id, &m.productID, &m.vendorID, &m.status, jsonColumn{&pr})
	if err != nil {
		return m, notFoundIfNoRows(err, "subscription", id)
	}
	m.metrics = pr.Normalize().Metrics
	return m, nil
}

// RecordUsage stores a pushed usage record. Only the product's vendor and
// the platform push. A report whose idempotency key was seen before
// answers the first record (replayed true) when it is the same report, and
// is refused when it is not. The metric must be one of the subscription's
// plan's metrics; a unique_count metric needs a unique_id.
func (s *Store) RecordUsage(ctx context.Context, p mercato.Principal, subID int64, r UsageReport) (rec UsageRecord, replayed bool, err error) {
	start, end, verr := s.validateUsage(r)
	hash := usageHash(r)
	err = s.tx(ctx, func(tx *txn) error {
		m, err := s.meteredSubscription(ctx, tx, &p, subID)
		if err != nil {
			return err
		}
		if (!p.IsPlatform() && m.vendorID != p.OrgID) || !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "only the provider of subscription %d reports its usage", subID)
		}
		if verr != nil {
			return verr
		}
		if r.IdempotencyKey != "" {
			prev, found, err := s.usageByKey(ctx, tx, subID, r.IdempotencyKey, hash)
			if err != nil || found {
				rec, replayed = prev, found
				return err
			}
		}
		if m.status.Final() {
			return mercato.Errorf(mercato.ECONFLICT, "subscription %d has ended (%s): no more usage", subID, m.status)
		}
		mt, ok := m.metric(r.Metric)
		if !ok {
			return mercato.Invalid("invalid usage", mercato.FieldError{Path: "metric", Message: "the subscription's plan has no metric with this name", Value: r.Metric})
		}
		if mt.Aggregation == pricing.AggregationUniqueCount && r.UniqueID == "" {
			return mercato.Invalid("invalid usage", mercato.FieldError{Path: "unique_id", Message: "is required: the metric counts unique ids"})
		}
		rec = UsageRecord{SubscriptionID: subID, Metric: r.Metric, Quantity: r.Quantity, PeriodStart: start, PeriodEnd: end, Source: UsagePush,
			IdempotencyKey: r.IdempotencyKey, UniqueID: r.UniqueID, ReportedBy: p.OrgID, CreatedAt: s.now()}
		inserted, err := s.insertUsage(ctx, tx, &rec, hash)
		if err != nil || inserted {
			return err
		}
		// A concurrent report with the same key committed first.
		prev, _, err := s.usageByKey(ctx, tx, subID, r.IdempotencyKey, hash)
		rec, replayed = prev, true
		return err
	})
	if err != nil {
		return rec, false, fmt.Errorf("record usage: %w", err)
	}
	return rec, replayed, nil
}

// usageByKey finds the record an earlier report with the same key created.
func (s *Store) usageByKey(ctx context.Context, db queryer, subID int64, key, hash string) (UsageRecord, bool, error) {
	var stored string
	rec, err := scanUsage(scanPrefix2{db.QueryRowContext(ctx, "SELECT u.request_hash, "+usageColumns+" FROM usage_records u WHERE u.subscription_id = $1 AND u.idempotency_key = $2", subID, key), &stored})
	if errors.Is(err, sql.ErrNoRows) {
		return rec, false, nil
	}
	if err != nil {
		return rec, false, fmt.Errorf("usage idempotency key: %w", err)
	}
	if stored != hash {
		return rec, false, mercato.Invalid("this idempotency id was used with a different usage report",
			mercato.FieldError{Path: "idempotency_id", Message: "already used for another report", Value: key})
	}
	return rec, true, nil
}

// scanPrefix2 scans one leading column into first and the rest as asked.
type scanPrefix2 struct {
	row   *sql.Row
	first any
}

func (sp scanPrefix2) Scan(rest ...any) error {
	return sp.row.Scan(append([]any{sp.first}, rest...)...)
}

// insertUsage inserts rec unless its idempotency key exists; it reports
// whether it did.
func (s *Store) insertUsage(ctx context.Context, tx *txn, rec *UsageRecord, hash string) (bool, error) {
	var key sql.NullString
	if rec.IdempotencyKey != "" {
		key = sql.NullString{String: rec.IdempotencyKey, Valid: true}
	}
	var reading, by any
	if rec.Reading != nil {
		reading = rec.Reading.String()
	}
	if rec.ReportedBy != 0 {
		by = rec.ReportedBy
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO usage_records (subscription_id, metric, quantity, period_start, period_end, source, idempotency_key, request_hash, unique_id, reading, reported_by, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) ON CONFLICT (subscription_id, idempotency_key) DO NOTHING RETURNING id`,
		rec.SubscriptionID, rec.Metric, rec.Quantity.String(), rec.PeriodStart, rec.PeriodEnd, rec.Source, key, hash, rec.UniqueID, reading, by, rec.CreatedAt).Scan(&rec.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("insert usage: %w", err)
	}
	return true, nil
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
		q.add(" AND u.period_start >= %a", usageTime(from))
	}
	if !to.IsZero() {
		q.add(" AND u.period_start < %a", usageTime(to))
	}
}

// ListUsage lists the usage records of a subscription visible to p (its
// customer, the customer's reseller and distributor, the product's vendor,
// the platform), oldest first.
func (s *Store) ListUsage(ctx context.Context, p mercato.Principal, subID int64, f UsageFilter, page Page) ([]UsageRecord, int64, error) {
	if _, err := s.visibleSubscription(ctx, s.rd(), p, subID); err != nil {
		return nil, 0, err
	}
	q := &query{}
	q.add("SELECT " + usageColumns + " FROM usage_records u WHERE ")
	usageWhere(q, subID, f.Metric, f.Source, f.From, f.To)
	return list(ctx, s.rd(), q, "u.id", page, "usage", scanUsage, func(r UsageRecord) int64 { return r.ID })
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
	mt, ok := m.metric(metric)
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
