package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/overview"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// BusinessFacts returns the records the operator's overview is computed
// from, in [from, to): the platform's issued invoices and credit notes,
// the recurring charges whose period overlaps the range, the
// subscriptions created, their changes of deployment status and the
// failed collections. Amounts are read as decimals and summed by the
// caller (SQLite would sum text as floats).
func (s *Store) BusinessFacts(ctx context.Context, from, to time.Time) (overview.Facts, error) {
	var f overview.Facts
	c := s.rd()
	err := each(ctx, c, `SELECT i.issued_at, i.currency, i.subtotal FROM invoices i JOIN organizations o ON o.id = i.issuer_id
		WHERE o.kind = 'platform' AND i.status <> 'void' AND i.issued_at >= $1 AND i.issued_at < $2`,
		[]any{from, to}, func(r *sql.Rows) error {
			var inv overview.Invoice
			err := r.Scan(&inv.IssuedAt, &inv.Currency, &inv.Net)
			f.Invoices = append(f.Invoices, inv)
			return err
		})
	if err == nil {
		err = each(ctx, c, `SELECT period_start, period_end, currency, amount FROM charges
			WHERE kind IN ($1, $2) AND state = 'open' AND period_end > $3 AND period_start < $4`,
			[]any{pricing.KindRecurring, billing.KindCustomRecurring, from, to}, func(r *sql.Rows) error {
				var ch overview.Charge
				err := r.Scan(&ch.Start, &ch.End, &ch.Currency, &ch.Amount)
				ch.Start, ch.End = ch.Start.UTC(), ch.End.UTC()
				f.Charges = append(f.Charges, ch)
				return err
			})
	}
	if err == nil {
		err = each(ctx, c, `SELECT created_at FROM subscriptions WHERE type <> $1 AND created_at >= $2 AND created_at < $3`,
			[]any{string(subscription.TypeSandbox), from, to}, func(r *sql.Rows) error {
				var t time.Time
				err := r.Scan(&t)
				f.Created = append(f.Created, t.UTC())
				return err
			})
	}
	if err == nil {
		err = each(ctx, c, `SELECT occurred_at, metadata FROM events WHERE entity = $1 AND occurred_at >= $2 AND occurred_at < $3
			AND CAST(metadata AS TEXT) LIKE '%deployment_status%'`,
			[]any{subscription.EntitySubscription, from, to}, func(r *sql.Rows) error {
				var (
					at   time.Time
					meta map[string]string
				)
				if err := r.Scan(&at, jsonColumn{&meta}); err != nil {
					return err
				}
				if to := meta["deployment_status"]; to != "" && to != meta["previous_status"] {
					f.Moves = append(f.Moves, overview.Move{At: at.UTC(), From: meta["previous_status"], To: to})
				}
				return nil
			})
	}
	if err == nil {
		err = each(ctx, c, `SELECT created_at FROM payment_events WHERE type = $1 AND created_at >= $2 AND created_at < $3`,
			[]any{string(billing.PaymentFailed), from, to}, func(r *sql.Rows) error {
				var t time.Time
				err := r.Scan(&t)
				f.FailedPayments = append(f.FailedPayments, t.UTC())
				return err
			})
	}
	if err != nil {
		return overview.Facts{}, fmt.Errorf("business facts: %w", err)
	}
	return f, nil
}

// each runs a query and calls fn for each row.
func each(ctx context.Context, c conn, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := c.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
