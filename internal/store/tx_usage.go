package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/usage"
)

// The reads and writes of usage records in a transaction
// (internal/usage decides what is recorded).

// MeteredSubscription loads a subscription visible to p (every one when p
// is nil) with its plan's metrics.
func (tx *Tx) MeteredSubscription(ctx context.Context, p *mercato.Principal, id int64) (usage.Metered, error) {
	return tx.s.meteredSubscription(ctx, tx.t, p, id)
}

// UsageByKey returns the record an earlier report with the same
// idempotency key created, and that report's hash.
func (tx *Tx) UsageByKey(ctx context.Context, subID int64, key string) (usage.Record, string, bool, error) {
	var stored string
	rec, err := scanUsage(scanPrefix2{tx.t.QueryRowContext(ctx, "SELECT u.request_hash, "+usageColumns+" FROM usage_records u WHERE u.subscription_id = $1 AND u.idempotency_key = $2", subID, key), &stored})
	if errors.Is(err, sql.ErrNoRows) {
		return rec, "", false, nil
	}
	if err != nil {
		return rec, "", false, fmt.Errorf("usage idempotency key: %w", err)
	}
	return rec, stored, true, nil
}

// scanPrefix2 scans one leading column into first and the rest as asked.
type scanPrefix2 struct {
	row   *sql.Row
	first any
}

func (sp scanPrefix2) Scan(rest ...any) error {
	return sp.row.Scan(append([]any{sp.first}, rest...)...)
}

// InsertUsage inserts rec unless its idempotency key exists; it reports
// whether it did.
func (tx *Tx) InsertUsage(ctx context.Context, rec *usage.Record, hash string) (bool, error) {
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
	err := tx.t.QueryRowContext(ctx, `INSERT INTO usage_records (subscription_id, metric, quantity, period_start, period_end, source, idempotency_key, request_hash, unique_id, reading, reported_by, created_at)
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

// PreviousReading is the latest polled reading of a subscription's metric
// in a window before the one starting at before.
func (tx *Tx) PreviousReading(ctx context.Context, subID int64, metric string, before time.Time) (decimal.NullDecimal, error) {
	var prev decimal.NullDecimal
	err := tx.t.QueryRowContext(ctx, `SELECT reading FROM usage_records WHERE subscription_id = $1 AND metric = $2 AND source = 'poll' AND reading IS NOT NULL
		AND period_start < $3 ORDER BY period_start DESC, id DESC LIMIT 1`, subID, metric, before).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return prev, fmt.Errorf("previous reading: %w", err)
	}
	return prev, nil
}

// UsageRecordForUpdate reads one usage record of a subscription, locked
// for the transaction on PostgreSQL.
func (tx *Tx) UsageRecordForUpdate(ctx context.Context, subID, id int64) (usage.Record, error) {
	q := "SELECT " + usageColumns + " FROM usage_records u WHERE u.id = $1 AND u.subscription_id = $2"
	if tx.s.engine == Postgres {
		q += " FOR UPDATE"
	}
	rec, err := scanUsage(tx.t.QueryRowContext(ctx, q, id, subID))
	if err != nil {
		return rec, notFoundIfNoRows(err, "usage record", id)
	}
	return rec, nil
}

// UsageCharged says whether the usage of the period a record counts in (a
// usage charge of its metric whose period holds the record's start) was
// charged, and the invoice that bills it (0 while none does). A void
// charge charged nothing.
func (tx *Tx) UsageCharged(ctx context.Context, rec usage.Record) (bool, int64, error) {
	var invoice sql.NullInt64
	err := tx.t.QueryRowContext(ctx, `SELECT invoice_id FROM charges WHERE subscription_id = $1 AND kind = $2 AND ref = $3
		AND period_start <= $4 AND period_end > $4 AND state <> 'void' ORDER BY invoice_id IS NULL, id LIMIT 1`,
		rec.SubscriptionID, pricing.KindUsage, rec.Metric, rec.PeriodStart).Scan(&invoice)
	if errors.Is(err, sql.ErrNoRows) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, fmt.Errorf("usage charged: %w", err)
	}
	return true, invoice.Int64, nil
}

// VoidUsage marks a usage record void (rec.VoidedAt, VoidedBy, VoidReason).
func (tx *Tx) VoidUsage(ctx context.Context, rec usage.Record) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE usage_records SET voided_at = $1, voided_by = $2, void_reason = $3 WHERE id = $4`,
		rec.VoidedAt, rec.VoidedBy, rec.VoidReason, rec.ID); err != nil {
		return fmt.Errorf("void usage record %d: %w", rec.ID, err)
	}
	return nil
}
