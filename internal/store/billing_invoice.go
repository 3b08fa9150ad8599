package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

const invoiceColumns = "i.id, i.kind, i.number, i.issuer, i.customer, i.reseller_id, i.period, i.currency, i.status, i.tax_rate, i.tax_note, i.subtotal, i.tax, i.total, " +
	"i.issued_at, i.due_at, i.paid_at, i.voided_at, i.credited_invoice_id, i.reminders, i.suspended, i.run_id, i.created_at, i.updated_at"

func scanInvoice(row interface{ Scan(...any) error }) (billing.Invoice, error) {
	var (
		inv                       billing.Invoice
		kind, status              string
		number                    sql.NullString
		reseller, credited, runID sql.NullInt64
		issued, due, paid, voided sql.NullTime
	)
	err := row.Scan(&inv.ID, &kind, &number, jsonColumn{&inv.Issuer}, jsonColumn{&inv.Customer}, &reseller, &inv.Period, &inv.Currency, &status,
		&inv.TaxRate, &inv.TaxNote, &inv.Subtotal, &inv.Tax, &inv.Total, &issued, &due, &paid, &voided, &credited, &inv.Reminders, &inv.Suspended,
		&runID, &inv.CreatedAt, &inv.UpdatedAt)
	inv.Kind, inv.Status, inv.Number = billing.Kind(kind), billing.Status(status), number.String
	inv.ResellerID, inv.CreditedInvoiceID, inv.RunID = reseller.Int64, credited.Int64, runID.Int64
	tp := func(t sql.NullTime) *time.Time {
		if !t.Valid {
			return nil
		}
		u := t.Time.UTC()
		return &u
	}
	inv.IssuedAt, inv.DueAt, inv.PaidAt, inv.VoidedAt = tp(issued), tp(due), tp(paid), tp(voided)
	inv.CreatedAt, inv.UpdatedAt = inv.CreatedAt.UTC(), inv.UpdatedAt.UTC()
	return inv, err
}

// invoiceScope: the customer sees its invoices, its reseller and
// distributor theirs (and what they issued), the platform all; vendors
// none (they read earnings).
func invoiceScope(q *query, p mercato.Principal) {
	if p.OrgKind == mercato.KindVendor {
		q.add("FALSE")
		return
	}
	q.add("(")
	orgScope(q, p, "i.customer_id")
	q.add(" OR i.issuer_id = %a)", p.OrgID)
}

// InvoiceFilter narrows a list of invoices.
type InvoiceFilter struct {
	CustomerID int64
	Period     string
	Status     billing.Status
	Kind       billing.Kind
}

// ListInvoices lists the invoices and credit notes visible to p, without
// their lines.
func (s *Store) ListInvoices(ctx context.Context, p mercato.Principal, f InvoiceFilter, page Page) ([]billing.Invoice, int64, error) {
	q := &query{}
	q.add("SELECT " + invoiceColumns + " FROM invoices i WHERE ")
	invoiceScope(q, p)
	if f.CustomerID != 0 {
		q.add(" AND i.customer_id = %a", f.CustomerID)
	}
	if f.Period != "" {
		q.add(" AND i.period = %a", f.Period)
	}
	if f.Status != "" {
		q.add(" AND i.status = %a", string(f.Status))
	}
	if f.Kind != "" {
		q.add(" AND i.kind = %a", string(f.Kind))
	}
	paginate(q, "i.id", page)
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list invoices: %w", err)
	}
	defer rows.Close()
	var out []billing.Invoice
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("scan invoice: %w", err)
		}
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list invoices: %w", err)
	}
	items, next := trim(out, page, func(i billing.Invoice) int64 { return i.ID })
	return items, next, nil
}

// Invoice returns one invoice visible to p, with its lines.
func (s *Store) Invoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error) {
	return s.invoice(ctx, s.rd(), p, id, false)
}

func (s *Store) invoice(ctx context.Context, db queryer, p mercato.Principal, id int64, lock bool) (billing.Invoice, error) {
	q := &query{}
	q.add("SELECT "+invoiceColumns+" FROM invoices i WHERE i.id = %a AND ", id)
	invoiceScope(q, p)
	if lock && s.engine == Postgres {
		q.add(" FOR UPDATE")
	}
	inv, err := scanInvoice(db.QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return inv, notFoundIfNoRows(err, "invoice", id)
	}
	rows, err := db.QueryContext(ctx, `SELECT line_no, subscription_id, kind, ref, part, description, quantity, unit_amount, amount, tax_rate, tax, period_start, period_end, shares
		FROM invoice_lines WHERE invoice_id = $1 ORDER BY line_no`, id)
	if err != nil {
		return inv, fmt.Errorf("invoice %d lines: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			l   billing.Line
			sub sql.NullInt64
		)
		if err := rows.Scan(&l.No, &sub, &l.Kind, &l.Ref, &l.Part, &l.Description, &l.Quantity, &l.UnitAmount, &l.Amount, &l.TaxRate, &l.Tax,
			&l.PeriodStart, &l.PeriodEnd, jsonColumn{&l.Shares}); err != nil {
			return inv, fmt.Errorf("scan invoice line: %w", err)
		}
		l.SubscriptionID = sub.Int64
		l.PeriodStart, l.PeriodEnd = l.PeriodStart.UTC(), l.PeriodEnd.UTC()
		inv.Lines = append(inv.Lines, l)
	}
	return inv, rows.Err()
}

// mayManageInvoice: the platform and the invoice's issuer record payments,
// issue drafts and credit invoices.
func mayManageInvoice(p mercato.Principal, inv billing.Invoice) error {
	if !p.CanWrite() || !(p.IsPlatform() || p.OrgID == inv.Issuer.ID) {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform or the issuer may do this to invoice %d", inv.ID)
	}
	return nil
}

// IssueInvoice issues a draft: its number, dates and ledger entries.
func (s *Store) IssueInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error) {
	var inv billing.Invoice
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		if inv, err = s.invoice(ctx, tx, p, id, true); err != nil {
			return err
		}
		if err := mayManageInvoice(p, inv); err != nil {
			return err
		}
		return s.issue(ctx, tx, &inv, billing.DefaultDunning())
	})
	if err != nil {
		return inv, fmt.Errorf("issue invoice %d: %w", id, err)
	}
	return inv, nil
}

// PaymentRequest records money received for an invoice.
type PaymentRequest struct {
	Amount    *decimal.Decimal // nil: the invoice's total
	Method    string           // default "manual"
	Reference string
}

// PayInvoice records a payment (a manual mark-paid, or later a payment
// provider's confirmation) of an issued invoice's full total and settles
// it in one transaction: the invoice becomes paid; a subscription it bills
// that waits for payment is cleared (PENDING, paid) and one that dunning
// suspended is resumed, each with a MODIFIED event.
func (s *Store) PayInvoice(ctx context.Context, p mercato.Principal, id int64, r PaymentRequest) (billing.Invoice, error) {
	var inv billing.Invoice
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		if inv, err = s.invoice(ctx, tx, p, id, true); err != nil {
			return err
		}
		if err := mayManageInvoice(p, inv); err != nil {
			return err
		}
		if inv.Kind != billing.KindInvoice || inv.Status != billing.StatusIssued {
			return mercato.Errorf(mercato.ECONFLICT, "invoice %d is %s and cannot be paid", inv.ID, inv.Status)
		}
		amount := inv.Total
		if r.Amount != nil {
			amount = *r.Amount
		}
		if !amount.Equal(inv.Total) {
			return mercato.Invalid("invalid payment", mercato.FieldError{Path: "amount", Message: "must equal the invoice's total " + billing.Money(inv.Total, inv.Currency), Value: amount.String()})
		}
		if r.Method == "" {
			r.Method = "manual"
		}
		now := s.now()
		var by *int64
		if p.UserID != 0 {
			by = &p.UserID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO payments (invoice_id, amount, currency, method, reference, recorded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
			inv.ID, amount.String(), inv.Currency, r.Method, r.Reference, by, now); err != nil {
			return fmt.Errorf("record payment: %w", err)
		}
		inv.Status, inv.PaidAt, inv.UpdatedAt = billing.StatusPaid, &now, now
		if _, err := tx.ExecContext(ctx, `UPDATE invoices SET status=$1, paid_at=$2, updated_at=$3 WHERE id=$4`, string(inv.Status), now, now, inv.ID); err != nil {
			return fmt.Errorf("mark invoice paid: %w", err)
		}
		if err := s.recordEvent(ctx, tx, subscription.EntityInvoice, inv.ID, subscription.EventModified, map[string]string{"status": string(inv.Status)}); err != nil {
			return err
		}
		return s.settleSubscriptions(ctx, tx, inv)
	})
	if err != nil {
		return inv, fmt.Errorf("pay invoice %d: %w", id, err)
	}
	return inv, nil
}

// invoiceSubscriptions returns the ids of the subscriptions an invoice bills.
func invoiceSubscriptions(inv billing.Invoice) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, l := range inv.Lines {
		if l.SubscriptionID != 0 && !seen[l.SubscriptionID] {
			seen[l.SubscriptionID] = true
			out = append(out, l.SubscriptionID)
		}
	}
	return out
}

// settleSubscriptions clears the paid invoice's subscriptions: an order
// waiting for payment becomes PENDING (or REQUIRES_APPROVAL) with paid
// true; a subscription this invoice's dunning suspended is resumed unless
// another unpaid invoice keeps it suspended.
func (s *Store) settleSubscriptions(ctx context.Context, tx *txn, inv billing.Invoice) error {
	sp, err := s.systemPrincipal(ctx, tx)
	if err != nil {
		return err
	}
	for _, id := range invoiceSubscriptions(inv) {
		sub, err := s.subscription(ctx, tx, sp, id)
		if err != nil {
			return err
		}
		changed := false
		switch {
		case sub.Status == subscription.WaitingPayment:
			prod, err := s.productByID(ctx, tx, sub.ProductID)
			if err != nil {
				return err
			}
			sub.Paid, sub.Status, changed = true, subscription.Cleared(prod.RequiresApproval), true
		case sub.Status == subscription.Stopped && inv.Suspended:
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
				WHERE l.subscription_id = $1 AND i.id <> $2 AND i.status = 'issued' AND i.suspended`, id, inv.ID).Scan(&others); err != nil {
				return fmt.Errorf("other suspending invoices: %w", err)
			}
			if others == 0 {
				sub.Status, changed = subscription.Deployed, true
			}
		}
		if !changed {
			continue
		}
		if err := s.saveSubscription(ctx, tx, &sub); err != nil {
			return err
		}
		if err := s.recordEvent(ctx, tx, subscription.EntitySubscription, sub.ID, subscription.EventModified, map[string]string{"reason": "invoice_paid"}); err != nil {
			return err
		}
	}
	return nil
}

// CreditInvoice corrects an issued or paid invoice with a credit note for
// its full amount (the invoice itself is never edited): the note is issued
// at once with its own number series and reverses the ledger entries; an
// unpaid invoice becomes void.
func (s *Store) CreditInvoice(ctx context.Context, p mercato.Principal, id int64, reason string) (billing.Invoice, error) {
	var cn billing.Invoice
	err := s.tx(ctx, func(tx *txn) error {
		inv, err := s.invoice(ctx, tx, p, id, true)
		if err != nil {
			return err
		}
		if err := mayManageInvoice(p, inv); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoices WHERE credited_invoice_id = $1`, inv.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return mercato.Errorf(mercato.ECONFLICT, "invoice %d is already credited", inv.ID)
		}
		if cn, err = billing.CreditNote(inv, reason); err != nil {
			return err
		}
		now := s.now()
		cn.CreatedAt, cn.UpdatedAt = now, now
		if err := s.insertInvoice(ctx, tx, &cn); err != nil {
			return err
		}
		if err := s.issue(ctx, tx, &cn, billing.DefaultDunning()); err != nil {
			return err
		}
		if inv.Status == billing.StatusIssued {
			if _, err := tx.ExecContext(ctx, `UPDATE invoices SET status='void', voided_at=$1, updated_at=$1 WHERE id=$2`, now, inv.ID); err != nil {
				return fmt.Errorf("void invoice %d: %w", inv.ID, err)
			}
			return s.recordEvent(ctx, tx, subscription.EntityInvoice, inv.ID, subscription.EventModified, map[string]string{"status": "void"})
		}
		return nil
	})
	if err != nil {
		return cn, fmt.Errorf("credit invoice %d: %w", id, err)
	}
	return cn, nil
}

// ListPayments lists the payments of an invoice visible to p.
func (s *Store) ListPayments(ctx context.Context, p mercato.Principal, invoiceID int64) ([]billing.Payment, error) {
	if _, err := s.invoice(ctx, s.rd(), p, invoiceID, false); err != nil {
		return nil, err
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT id, invoice_id, amount, currency, method, reference, created_at FROM payments WHERE invoice_id = $1 ORDER BY id`, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("list payments: %w", err)
	}
	defer rows.Close()
	var out []billing.Payment
	for rows.Next() {
		var pm billing.Payment
		if err := rows.Scan(&pm.ID, &pm.InvoiceID, &pm.Amount, &pm.Currency, &pm.Method, &pm.Reference, &pm.CreatedAt); err != nil {
			return nil, err
		}
		pm.CreatedAt = pm.CreatedAt.UTC()
		out = append(out, pm)
	}
	return out, rows.Err()
}
