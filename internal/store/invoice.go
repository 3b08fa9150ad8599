package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

const invoiceColumns = "i.id, i.kind, i.number, i.issuer, i.customer, i.reseller_id, i.period, i.currency, i.status, i.tax_rate, i.tax_note, i.subtotal, i.tax, i.total, " +
	"i.issued_at, i.due_at, i.paid_at, i.voided_at, i.credited_invoice_id, i.reminders, i.suspended, i.run_id, i.created_at, i.updated_at, i.fully_credited"

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
		&runID, &inv.CreatedAt, &inv.UpdatedAt, &inv.FullyCredited)
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

// invoiceScope adds a condition true when invoice i is visible to p: the
// customer sees its invoices, a reseller those of its customers and its
// own, a distributor those of its resellers, of their customers and its
// own, and each what it issued (an issuer other than the platform is the
// customer's parent, so already one of these); the platform all, vendors
// none (they read earnings). Each role's condition is one equality on a
// column indexed with the id (migration 00036: viewer_reseller_id,
// viewer_distributor_id), so a list is an index range scan in id order
// (TestScopedListPlans), as subscriptionScope's.
func invoiceScope(q *query, p mercato.Principal) {
	switch p.OrgKind {
	case mercato.KindPlatform:
		q.add("TRUE")
	case mercato.KindVendor:
		q.add("FALSE")
	case mercato.KindDistributor:
		q.add("i.viewer_distributor_id = %a", p.OrgID)
	case mercato.KindReseller:
		q.add("i.viewer_reseller_id = %a", p.OrgID)
	default:
		q.add("i.customer_id = %a", p.OrgID)
	}
}

// invoiceList is the query of the invoices visible to p matching f, before
// its page.
func invoiceList(p mercato.Principal, f InvoiceFilter) *query {
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
	return q
}

// InvoiceFilter narrows a list of invoices (billing.InvoiceFilter).
type InvoiceFilter = billing.InvoiceFilter

// ListInvoices lists the invoices and credit notes visible to p, without
// their lines.
func (s *Store) ListInvoices(ctx context.Context, p mercato.Principal, f InvoiceFilter, page Page) ([]billing.Invoice, int64, error) {
	q := invoiceList(p, f)
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
	lines := &query{}
	lines.add("invoice_id = %a", id)
	inv.Lines, err = invoiceLines(ctx, db, lines)
	return inv, err
}

// invoiceLines reads the invoice lines matching the condition where, in
// their order.
func invoiceLines(ctx context.Context, db queryer, where *query) ([]billing.Line, error) {
	rows, err := db.QueryContext(ctx, `SELECT line_no, subscription_id, kind, ref, part, description, quantity, unit_amount, amount, tax_rate, tax, period_start, period_end, shares, product, plan
		FROM invoice_lines WHERE `+where.String()+` ORDER BY line_no`, where.args...)
	if err != nil {
		return nil, fmt.Errorf("invoice lines: %w", err)
	}
	defer rows.Close()
	var out []billing.Line
	for rows.Next() {
		var (
			l   billing.Line
			sub sql.NullInt64
		)
		if err := rows.Scan(&l.No, &sub, &l.Kind, &l.Ref, &l.Part, &l.Description, &l.Quantity, &l.UnitAmount, &l.Amount, &l.TaxRate, &l.Tax,
			&l.PeriodStart, &l.PeriodEnd, jsonColumn{&l.Shares}, &l.Product, &l.Plan); err != nil {
			return nil, fmt.Errorf("scan invoice line: %w", err)
		}
		l.SubscriptionID = sub.Int64
		l.PeriodStart, l.PeriodEnd = l.PeriodStart.UTC(), l.PeriodEnd.UTC()
		out = append(out, l)
	}
	return out, rows.Err()
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

// AllPayments lists every payment recorded, newest first (by id, before
// f.Before), with its invoice's number and total and the customer billed;
// f.Kind keeps one kind (billing.KindOf: the amount against the invoice's
// total, compared in SQL as doubles, which SQLite's text decimals need and
// which order amounts of money exactly enough to tell the sign and a
// shortfall).
func (s *Store) AllPayments(ctx context.Context, f billing.PaymentFilter) ([]billing.ListedPayment, error) {
	q := &query{}
	q.add(`SELECT p.id, p.invoice_id, p.amount, p.currency, p.method, p.reference, p.created_at, COALESCE(i.number, ''), i.total, i.customer_id, o.name
		FROM payments p JOIN invoices i ON i.id = p.invoice_id JOIN organizations o ON o.id = i.customer_id WHERE 1=1`)
	const amount, total = "CAST(p.amount AS DOUBLE PRECISION)", "CAST(i.total AS DOUBLE PRECISION)"
	switch f.Kind {
	case billing.PaymentRefund:
		q.add(" AND " + amount + " < 0")
	case billing.PaymentPartial:
		q.add(" AND " + amount + " >= 0 AND " + amount + " < " + total)
	case billing.PaymentFull:
		q.add(" AND " + amount + " >= 0 AND " + amount + " >= " + total)
	}
	if f.Before > 0 {
		q.add(" AND p.id < %a", f.Before)
	}
	q.add(" ORDER BY p.id DESC LIMIT %a", f.Size())
	var out []billing.ListedPayment
	err := each(ctx, s.rd(), q.String(), q.args, func(r *sql.Rows) error {
		var lp billing.ListedPayment
		if err := r.Scan(&lp.ID, &lp.InvoiceID, &lp.Amount, &lp.Currency, &lp.Method, &lp.Reference, &lp.CreatedAt,
			&lp.InvoiceNumber, &lp.InvoiceTotal, &lp.CustomerID, &lp.Customer); err != nil {
			return err
		}
		lp.CreatedAt = lp.CreatedAt.UTC()
		lp.Kind = billing.KindOf(lp.Amount, lp.InvoiceTotal)
		out = append(out, lp)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list payments: %w", err)
	}
	return out, nil
}
