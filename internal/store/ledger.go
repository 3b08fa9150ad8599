package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Earnings returns an organization's earnings statement for a period
// (2026-03), one statement per currency: every earnings entry of the
// invoices and credit notes issued for the period; the platform's are its
// fees. Who may read whose is internal/channel's decision.
func (s *Store) Earnings(ctx context.Context, org int64, period string) ([]billing.Statement, error) {
	o, err := s.orgByID(ctx, s.rd(), org)
	if err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT e.role, e.currency, e.credit, e.debit, e.line_no, i.id, i.number, i.issued_at, i.customer_id, COALESCE(l.subscription_id, 0), COALESCE(l.description, '')
		FROM ledger_entries e JOIN invoices i ON i.id = e.invoice_id
		LEFT JOIN invoice_lines l ON l.invoice_id = e.invoice_id AND l.line_no = e.line_no
		WHERE e.account = 'earnings' AND e.period = %a AND `, period)
	if o.Kind == mercato.KindPlatform {
		q.add("e.role = 'platform'")
	} else {
		q.add("e.organization_id = %a", org)
	}
	q.add(" ORDER BY e.currency, e.id")
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("earnings: %w", err)
	}
	defer rows.Close()
	var out []billing.Statement
	for rows.Next() {
		var (
			role, currency string
			credit, debit  decimal.Decimal
			row            billing.StatementRow
			number         sql.NullString
			issued         sql.NullTime
		)
		if err := rows.Scan(&role, &currency, &credit, &debit, &row.LineNo, &row.InvoiceID, &number, &issued, &row.CustomerID, &row.SubscriptionID, &row.Description); err != nil {
			return nil, fmt.Errorf("scan earnings: %w", err)
		}
		row.InvoiceNumber, row.IssuedAt = number.String, issued.Time.UTC()
		row.Amount = credit.Sub(debit)
		if len(out) == 0 || out[len(out)-1].Currency != currency {
			id := org
			if o.Kind == mercato.KindPlatform {
				id = 0
			}
			out = append(out, billing.Statement{Role: role, OrganizationID: id, Period: period, Currency: currency, Total: decimal.Zero})
		}
		st := &out[len(out)-1]
		st.Rows = append(st.Rows, row)
		st.Total = st.Total.Add(row.Amount)
	}
	return out, rows.Err()
}

// EarningsTotals returns an organization's earnings of the periods
// from..to (YYYY-MM, both included; the platform's are its fees), one
// total per period and currency, oldest first: the entries Earnings lists,
// summed in Go (SQLite would sum text as floats).
func (s *Store) EarningsTotals(ctx context.Context, org int64, from, to string) ([]channel.PeriodTotal, error) {
	o, err := s.orgByID(ctx, s.rd(), org)
	if err != nil {
		return nil, err
	}
	q := &query{}
	q.add(`SELECT e.period, e.currency, e.credit, e.debit FROM ledger_entries e
		WHERE e.account = 'earnings' AND e.period >= %a AND e.period <= %a AND `, from, to)
	if o.Kind == mercato.KindPlatform {
		q.add("e.role = 'platform'")
	} else {
		q.add("e.organization_id = %a", org)
	}
	q.add(" ORDER BY e.period, e.currency")
	var out []channel.PeriodTotal
	err = each(ctx, s.rd(), q.String(), q.args, func(r *sql.Rows) error {
		var (
			period, currency string
			credit, debit    decimal.Decimal
		)
		if err := r.Scan(&period, &currency, &credit, &debit); err != nil {
			return err
		}
		if n := len(out); n > 0 && out[n-1].Period == period && out[n-1].Currency == currency {
			out[n-1].Amount = out[n-1].Amount.Add(credit.Sub(debit))
			return nil
		}
		out = append(out, channel.PeriodTotal{Period: period, Currency: currency, Amount: credit.Sub(debit)})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("earnings totals: %w", err)
	}
	return out, nil
}

// LedgerTotals returns the sums of all debits and credits, per invoice
// when invoiceID is set (tests and audits: they must be equal).
func (s *Store) LedgerTotals(ctx context.Context, invoiceID int64) (debit, credit decimal.Decimal, err error) {
	q := `SELECT debit, credit FROM ledger_entries`
	var args []any
	if invoiceID != 0 {
		q += ` WHERE invoice_id = $1`
		args = append(args, invoiceID)
	}
	rows, err := s.rd().QueryContext(ctx, q, args...)
	if err != nil {
		return debit, credit, fmt.Errorf("ledger totals: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var d, c decimal.Decimal
		if err := rows.Scan(&d, &c); err != nil {
			return debit, credit, err
		}
		debit, credit = debit.Add(d), credit.Add(c)
	}
	return debit, credit, rows.Err()
}
