package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/shopspring/decimal"
)

// The writes of invoices, credit notes, payments and ledger entries, each
// with its Invoice event in the same transaction.

// InsertInvoice writes a draft invoice, its lines (in multi-row batches)
// and its CREATED event. A charge another run billed meanwhile is a
// conflict.
func (tx *Tx) InsertInvoice(ctx context.Context, inv *billing.Invoice) error {
	issuer, err := jsonText(inv.Issuer)
	if err != nil {
		return err
	}
	customer, err := jsonText(inv.Customer)
	if err != nil {
		return err
	}
	var reseller, credited, runID *int64
	if inv.ResellerID != 0 {
		reseller = &inv.ResellerID
	}
	if inv.CreditedInvoiceID != 0 {
		credited = &inv.CreditedInvoiceID
	}
	if inv.RunID != 0 {
		runID = &inv.RunID
	}
	err = tx.t.QueryRowContext(ctx, `INSERT INTO invoices (kind, issuer_id, customer_id, reseller_id, period, currency, status, tax_rate, tax_note, subtotal, tax, total, issuer, customer, credited_invoice_id, run_id, created_at, updated_at, viewer_reseller_id, viewer_distributor_id)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,`+invoiceResellerOf("$3")+`,`+invoiceDistributorOf("$3")+`) RETURNING id`,
		string(inv.Kind), inv.Issuer.ID, inv.Customer.ID, reseller, inv.Period, inv.Currency, string(inv.Status), inv.TaxRate.String(), inv.TaxNote,
		inv.Subtotal.String(), inv.Tax.String(), inv.Total.String(), issuer, customer, credited, runID, inv.CreatedAt, inv.UpdatedAt).Scan(&inv.ID)
	if err != nil {
		return fmt.Errorf("insert invoice: %w", err)
	}
	const cols = 18
	const batch = 400
	for start := 0; start < len(inv.Lines); start += batch {
		part := inv.Lines[start:min(start+batch, len(inv.Lines))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO invoice_lines (invoice_id, line_no, subscription_id, kind, ref, part, description, quantity, unit_amount, amount, tax_rate, tax, period_start, period_end, shares, product, plan, id) VALUES `)
		args := make([]any, 0, len(part)*cols)
		for i, l := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			n := len(args)
			sb.WriteByte('(')
			for c := 1; c <= cols-1; c++ {
				if c > 1 {
					sb.WriteByte(',')
				}
				sb.WriteString("$" + strconv.Itoa(n+c))
			}
			sb.WriteString(",DEFAULT)")
			var sub *int64
			if l.SubscriptionID != 0 {
				sub = &l.SubscriptionID
			}
			shares := "[]"
			if len(l.Shares) > 0 {
				if shares, err = jsonText(l.Shares); err != nil {
					return err
				}
			}
			args = append(args, inv.ID, l.No, sub, l.Kind, l.Ref, l.Part, l.Description, l.Quantity.String(), l.UnitAmount.String(), l.Amount.String(),
				l.TaxRate.String(), l.Tax.String(), l.PeriodStart.UTC(), l.PeriodEnd.UTC(), shares, l.Product, l.Plan)
		}
		tx.s.statements.Add(1)
		if _, err := tx.t.tx.ExecContext(ctx, tx.s.defaultID(sb.String()), args...); err != nil {
			if isUniqueViolation(err) {
				return mercato.Errorf(mercato.ECONFLICT, "another billing run is billing the same charges; run again")
			}
			return fmt.Errorf("insert invoice lines: %w", err)
		}
	}
	return tx.s.recordEvent(ctx, tx.t, subscription.EntityInvoice, inv.ID, subscription.EventCreated, map[string]string{"kind": string(inv.Kind)})
}

// defaultID adapts the ",DEFAULT)" id of a multi-row insert: SQLite has
// no DEFAULT in VALUES, where NULL makes a new rowid.
func (s *Store) defaultID(q string) string {
	if s.engine == SQLite {
		return strings.ReplaceAll(q, ",DEFAULT)", ",NULL)")
	}
	return q
}

// NextInvoiceNumber moves the counter of an issuer's series and year and
// returns its new value; in the issuing transaction, so numbers are
// gapless.
func (tx *Tx) NextInvoiceNumber(ctx context.Context, issuerID int64, kind billing.Kind, year int) (int64, error) {
	return tx.NextInvoiceNumbers(ctx, issuerID, kind, year, 1)
}

// NextInvoiceNumbers moves the counter of an issuer's series and year by
// n and returns the first of the n numbers it reserved (the rest follow
// it); in the issuing transaction, which must use them all, so numbers
// stay gapless.
func (tx *Tx) NextInvoiceNumbers(ctx context.Context, issuerID int64, kind billing.Kind, year int, n int) (int64, error) {
	if n < 1 {
		return 0, fmt.Errorf("invoice numbers: reserve at least one, not %d", n)
	}
	var last int64
	if err := tx.t.QueryRowContext(ctx, `INSERT INTO invoice_sequences (issuer_id, series, year, last) VALUES ($1,$2,$3,$4)
		ON CONFLICT (issuer_id, series, year) DO UPDATE SET last = invoice_sequences.last + $4 RETURNING last`,
		issuerID, string(kind), year, n).Scan(&last); err != nil {
		return 0, fmt.Errorf("invoice number: %w", err)
	}
	return last - int64(n) + 1, nil
}

// SaveIssued writes an issued invoice's number, dates and issuer (the
// snapshot of the seller at issue time), posts its ledger entries (in
// multi-row batches) and records its MODIFIED event.
func (tx *Tx) SaveIssued(ctx context.Context, inv billing.Invoice, entries []billing.Entry) error {
	issuer, err := jsonText(inv.Issuer)
	if err != nil {
		return err
	}
	if _, err := tx.t.ExecContext(ctx, `UPDATE invoices SET number=$1, status=$2, issued_at=$3, due_at=$4, updated_at=$5, issuer=$7 WHERE id=$6`,
		inv.Number, string(inv.Status), inv.IssuedAt, inv.DueAt, inv.UpdatedAt, inv.ID, issuer); err != nil {
		return fmt.Errorf("issue invoice %d: %w", inv.ID, err)
	}
	now := tx.s.now()
	const batch = 300
	for start := 0; start < len(entries); start += batch {
		part := entries[start:min(start+batch, len(entries))]
		var sb strings.Builder
		sb.WriteString(`INSERT INTO ledger_entries (invoice_id, line_no, account, role, organization_id, debit, credit, currency, period, created_at, id) VALUES `)
		args := make([]any, 0, len(part)*10)
		for i, e := range part {
			if i > 0 {
				sb.WriteByte(',')
			}
			n := len(args)
			fmt.Fprintf(&sb, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,DEFAULT)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10)
			var org *int64
			if e.OrganizationID != 0 {
				org = &e.OrganizationID
			}
			args = append(args, inv.ID, e.LineNo, e.Account, e.Role, org, e.Debit.String(), e.Credit.String(), inv.Currency, inv.Period, now)
		}
		tx.s.statements.Add(1)
		if _, err := tx.t.tx.ExecContext(ctx, tx.s.defaultID(sb.String()), args...); err != nil {
			return fmt.Errorf("post ledger of invoice %d: %w", inv.ID, err)
		}
	}
	return tx.s.recordEvent(ctx, tx.t, subscription.EntityInvoice, inv.ID, subscription.EventModified, map[string]string{"status": string(inv.Status)})
}

// LockInvoice returns an invoice visible to p with its lines, locked for
// the transaction on PostgreSQL.
func (tx *Tx) LockInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error) {
	return tx.s.invoice(ctx, tx.t, p, id, true)
}

// RemindInvoice counts a reminder of an overdue invoice, notifies its
// customer with message and records a MODIFIED event.
func (tx *Tx) RemindInvoice(ctx context.Context, inv billing.Invoice, message string) error {
	now := tx.s.now()
	if _, err := tx.t.ExecContext(ctx, `UPDATE invoices SET reminders=$1, updated_at=$2 WHERE id=$3`, inv.Reminders, now, inv.ID); err != nil {
		return fmt.Errorf("remind invoice %d: %w", inv.ID, err)
	}
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO notifications (organization_id, kind, message, created_at) VALUES ($1, 'invoice_overdue', $2, $3)`,
		inv.Customer.ID, message, now); err != nil {
		return fmt.Errorf("notify invoice %d: %w", inv.ID, err)
	}
	return tx.s.recordEvent(ctx, tx.t, subscription.EntityInvoice, inv.ID, subscription.EventModified, map[string]string{"reminder": strconv.Itoa(inv.Reminders)})
}

// MarkInvoiceSuspended notes that an invoice's dunning suspended its
// subscriptions.
func (tx *Tx) MarkInvoiceSuspended(ctx context.Context, id int64) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE invoices SET suspended=TRUE, updated_at=$1 WHERE id=$2`, tx.s.now(), id); err != nil {
		return fmt.Errorf("suspend invoice %d: %w", id, err)
	}
	return nil
}

// InsertPayment records a payment, by the user recordedBy (0: none).
func (tx *Tx) InsertPayment(ctx context.Context, pm billing.Payment, recordedBy int64) error {
	var by *int64
	if recordedBy != 0 {
		by = &recordedBy
	}
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO payments (invoice_id, amount, currency, method, reference, recorded_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		pm.InvoiceID, pm.Amount.String(), pm.Currency, pm.Method, pm.Reference, by, pm.CreatedAt); err != nil {
		return fmt.Errorf("record payment: %w", err)
	}
	return nil
}

// PaidAmount is the sum of an invoice's payments (refunds are negative).
func (tx *Tx) PaidAmount(ctx context.Context, invoiceID int64) (decimal.Decimal, error) {
	return tx.sumAmounts(ctx, fmt.Sprintf("payments of invoice %d", invoiceID), `SELECT amount FROM payments WHERE invoice_id = $1`, invoiceID)
}

// MarkInvoicePaid writes a paid invoice's status and date and records a
// MODIFIED event.
func (tx *Tx) MarkInvoicePaid(ctx context.Context, inv billing.Invoice) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE invoices SET status=$1, paid_at=$2, updated_at=$3 WHERE id=$4`, string(inv.Status), inv.PaidAt, inv.UpdatedAt, inv.ID); err != nil {
		return fmt.Errorf("mark invoice paid: %w", err)
	}
	return tx.s.recordEvent(ctx, tx.t, subscription.EntityInvoice, inv.ID, subscription.EventModified, map[string]string{"status": string(inv.Status)})
}

// OtherSuspendingInvoices counts the issued invoices other than invoiceID
// that bill a subscription and suspended it.
func (tx *Tx) OtherSuspendingInvoices(ctx context.Context, subID, invoiceID int64) (int, error) {
	var n int
	if err := tx.t.QueryRowContext(ctx, `SELECT COUNT(*) FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id
		WHERE l.subscription_id = $1 AND i.id <> $2 AND i.status = 'issued' AND i.suspended`, subID, invoiceID).Scan(&n); err != nil {
		return 0, fmt.Errorf("other suspending invoices: %w", err)
	}
	return n, nil
}

// CreditNotesOf returns the credit notes of an invoice with their lines,
// oldest first.
func (tx *Tx) CreditNotesOf(ctx context.Context, invoiceID int64) ([]billing.Invoice, error) {
	rows, err := tx.t.QueryContext(ctx, `SELECT `+invoiceColumns+` FROM invoices i WHERE i.credited_invoice_id = $1 ORDER BY i.id`, invoiceID)
	if err != nil {
		return nil, fmt.Errorf("credit notes of invoice %d: %w", invoiceID, err)
	}
	var out []billing.Invoice
	for rows.Next() {
		cn, err := scanInvoice(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("credit notes of invoice %d: %w", invoiceID, err)
		}
		out = append(out, cn)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("credit notes of invoice %d: %w", invoiceID, err)
	}
	for i := range out {
		where := &query{}
		where.add("invoice_id = %a", out[i].ID)
		if out[i].Lines, err = invoiceLines(ctx, tx.t, where); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MarkFullyCredited records that an invoice's credit notes cancel it in
// full: dunning no longer chases it.
func (tx *Tx) MarkFullyCredited(ctx context.Context, id int64) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE invoices SET fully_credited=TRUE, updated_at=$1 WHERE id=$2`, tx.s.now(), id); err != nil {
		return fmt.Errorf("invoice %d credited in full: %w", id, err)
	}
	return tx.s.recordEvent(ctx, tx.t, subscription.EntityInvoice, id, subscription.EventModified, map[string]string{"fully_credited": "true"})
}

// PeriodInvoices returns the issued or paid invoices (not credit notes)
// that billed a subscription's period ending at end: the one of its
// recurring charge first, then those of its changes, newest first.
func (tx *Tx) PeriodInvoices(ctx context.Context, subID int64, end time.Time) ([]int64, error) {
	rows, err := tx.t.QueryContext(ctx, `SELECT l.invoice_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
		WHERE l.subscription_id = $1 AND l.period_end = $2 AND l.kind IN ('recurring', 'change') AND l.part = 0
			AND i.kind = 'invoice' AND i.status IN ('issued', 'paid')
		ORDER BY CASE WHEN l.kind = 'recurring' THEN 0 ELSE 1 END, l.invoice_id DESC`, subID, end.UTC())
	if err != nil {
		return nil, fmt.Errorf("invoices of the period of subscription %d: %w", subID, err)
	}
	defer rows.Close()
	var out []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("invoices of the period of subscription %d: %w", subID, err)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, rows.Err()
}
