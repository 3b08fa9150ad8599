package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/subscription"
)

// InsertPaymentAttempt records try number try (0 the first) to collect
// an invoice under the provider's reference; asking again (an idempotent
// retry answers the same reference) records nothing more.
func (tx *Tx) InsertPaymentAttempt(ctx context.Context, provider, reference string, invoiceID int64, try int) error {
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO payment_attempts (invoice_id, try, reference, provider, created_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (reference) DO NOTHING`, invoiceID, try, reference, provider, tx.Now()); err != nil {
		return fmt.Errorf("payment attempt %s of invoice %d: %w", reference, invoiceID, err)
	}
	return nil
}

// AttemptInvoice returns the invoice a provider's collection attempt is
// for; found is false for a reference Mercato did not make.
func (tx *Tx) AttemptInvoice(ctx context.Context, reference string) (id int64, found bool, err error) {
	err = tx.t.QueryRowContext(ctx, `SELECT invoice_id FROM payment_attempts WHERE reference = $1`, reference).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("payment attempt %s: %w", reference, err)
	}
	return id, true, nil
}

// InsertPaymentEvent records a processed webhook event (invoiceID 0: it
// concerns no invoice Mercato knows) with the amount it recorded, and
// reports false, recording nothing, when the event was processed before.
func (tx *Tx) InsertPaymentEvent(ctx context.Context, ev billing.PaymentEvent, invoiceID int64, amount decimal.Decimal) (bool, error) {
	var inv *int64
	if invoiceID != 0 {
		inv = &invoiceID
	}
	res, err := tx.t.ExecContext(ctx, `INSERT INTO payment_events (event_id, provider, type, invoice_id, reference, amount, currency, detail, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (event_id) DO NOTHING`,
		ev.ID, ev.Provider, string(ev.Type), inv, ev.Reference, amount.String(), ev.Currency, ev.Detail, tx.Now())
	if err != nil {
		return false, fmt.Errorf("payment event %s: %w", ev.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("payment event %s: %w", ev.ID, err)
	}
	return n == 1, nil
}

// RecordedAmount is the sum of the amounts recorded by processed events
// of one type about one provider object (the refunds of a charge so far).
func (tx *Tx) RecordedAmount(ctx context.Context, typ billing.PaymentEventType, reference string) (decimal.Decimal, error) {
	return tx.sumAmounts(ctx, fmt.Sprintf("%s events of %s", typ, reference),
		`SELECT amount FROM payment_events WHERE type = $1 AND reference = $2`, string(typ), reference)
}

// sumAmounts adds the exact decimals (TEXT) a query's rows hold, in Go
// rather than in SQL, where the engines would sum them differently.
func (tx *Tx) sumAmounts(ctx context.Context, what, query string, args ...any) (decimal.Decimal, error) {
	rows, err := tx.t.QueryContext(ctx, query, args...)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	sum := decimal.Zero
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return decimal.Zero, fmt.Errorf("%s: %w", what, err)
		}
		d, err := decimal.NewFromString(a)
		if err != nil {
			return decimal.Zero, fmt.Errorf("%s: amount %q: %w", what, a, err)
		}
		sum = sum.Add(d)
	}
	if err := rows.Err(); err != nil {
		return decimal.Zero, fmt.Errorf("%s: %w", what, err)
	}
	return sum, nil
}

// FailedPayment records, with a MODIFIED event of the invoice, that a
// payment of it failed; retryAt is the date of its next try, empty when
// none is left (internal/notify tells the customer and its reseller).
func (tx *Tx) FailedPayment(ctx context.Context, invoiceID int64, retryAt string) error {
	return tx.s.recordEvent(ctx, tx.t, subscription.EntityInvoice, invoiceID, subscription.EventModified,
		map[string]string{notify.MetaPayment: "failed", notify.MetaRetryAt: retryAt})
}

// InvoiceCollection returns where the collection of an invoice through a
// provider stands, in the transaction: its tries, its failures and when
// the first failed.
func (tx *Tx) InvoiceCollection(ctx context.Context, invoiceID int64) (billing.Collection, error) {
	c := billing.Collection{InvoiceID: invoiceID}
	err := tx.t.QueryRowContext(ctx, `SELECT (SELECT COUNT(DISTINCT a.try) FROM payment_attempts a WHERE a.invoice_id = $1),
		(SELECT COUNT(*) FROM payment_events e WHERE e.invoice_id = $1 AND e.type = $2)`,
		invoiceID, string(billing.PaymentFailed)).Scan(&c.Tries, &c.Failures)
	if err == nil && c.Failures > 0 {
		err = tx.t.QueryRowContext(ctx, `SELECT created_at FROM payment_events WHERE invoice_id = $1 AND type = $2 ORDER BY created_at, event_id LIMIT 1`,
			invoiceID, string(billing.PaymentFailed)).Scan(&c.FirstFailure)
		c.FirstFailure = c.FirstFailure.UTC()
	}
	if err != nil {
		return c, fmt.Errorf("collection of invoice %d: %w", invoiceID, err)
	}
	return c, nil
}
