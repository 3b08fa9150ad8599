package store

import (
	"context"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
)

// CreditsToRefund lists the credit notes of issuerID whose invoice has
// payments by method (a provider's name) and that were not refunded
// through it yet, oldest first.
func (s *Store) CreditsToRefund(ctx context.Context, issuerID int64, method string) ([]int64, error) {
	return s.ids(ctx, "credit notes to refund", `SELECT c.id FROM invoices c
		WHERE c.kind = 'credit_note' AND c.issuer_id = $1 AND c.credited_invoice_id IS NOT NULL
		AND EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = c.credited_invoice_id AND p.method = $2)
		AND NOT EXISTS (SELECT 1 FROM payment_refunds r WHERE r.credit_note_id = c.id)
		ORDER BY c.id`, issuerID, method)
}

// MethodPayments returns an invoice's payments by method (refunds
// negative), newest first.
func (s *Store) MethodPayments(ctx context.Context, invoiceID int64, method string) ([]billing.Payment, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT id, amount, currency, reference, created_at FROM payments
		WHERE invoice_id = $1 AND method = $2 ORDER BY id DESC`, invoiceID, method)
	if err != nil {
		return nil, fmt.Errorf("%s payments of invoice %d: %w", method, invoiceID, err)
	}
	defer rows.Close()
	var out []billing.Payment
	for rows.Next() {
		pm := billing.Payment{InvoiceID: invoiceID, Method: method}
		var amount string
		if err := rows.Scan(&pm.ID, &amount, &pm.Currency, &pm.Reference, &pm.CreatedAt); err != nil {
			return nil, fmt.Errorf("%s payments of invoice %d: %w", method, invoiceID, err)
		}
		if pm.Amount, err = decimal.NewFromString(amount); err != nil {
			return nil, fmt.Errorf("%s payments of invoice %d: amount %q: %w", method, invoiceID, amount, err)
		}
		out = append(out, pm)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s payments of invoice %d: %w", method, invoiceID, err)
	}
	return out, nil
}

// SaveCreditRefund records that a credit note's invoice was refunded
// through provider (amount: what was asked back); once only.
func (s *Store) SaveCreditRefund(ctx context.Context, creditNoteID int64, provider string, amount decimal.Decimal) error {
	if _, err := s.rd().ExecContext(ctx, `INSERT INTO payment_refunds (credit_note_id, provider, amount, created_at) VALUES ($1,$2,$3,$4)
		ON CONFLICT (credit_note_id) DO NOTHING`, creditNoteID, provider, amount.String(), s.now()); err != nil {
		return fmt.Errorf("refund of credit note %d: %w", creditNoteID, err)
	}
	return nil
}
