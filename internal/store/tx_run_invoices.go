package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The invoices of one chunk of a billing run, written together: a few
// multi-row statements for the whole chunk (rowsStatement) instead of a
// dozen statements per invoice, which on PostgreSQL were as many round
// trips and on SQLite as many parses.

var (
	runInvoiceRows = rowsStatement{
		prefix: `INSERT INTO invoices (kind, issuer_id, customer_id, reseller_id, period, currency, status, tax_rate, tax_note, subtotal, tax, total, issuer, customer, run_id, number, issued_at, due_at, created_at, updated_at, viewer_reseller_id, viewer_distributor_id) VALUES `,
		// The last two are the customer's id again: the reseller and the
		// distributor that see the invoice (scope.go, migration 00036).
		row:    []string{"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "~" + invoiceResellerOf("?"), "~" + invoiceDistributorOf("?")},
		suffix: ` RETURNING id, customer_id, issuer_id, currency`,
	}
	invoiceLineRows = rowsStatement{
		prefix: `INSERT INTO invoice_lines (invoice_id, line_no, subscription_id, kind, ref, part, description, quantity, unit_amount, amount, tax_rate, tax, period_start, period_end, shares, product, plan, id) VALUES `,
		row:    []string{"", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "=DEFAULT"},
	}
	ledgerRows = rowsStatement{
		prefix: `INSERT INTO ledger_entries (invoice_id, line_no, account, role, organization_id, debit, credit, currency, period, created_at, id) VALUES `,
		row:    []string{"", "", "", "", "", "", "", "", "", "", "=DEFAULT"},
	}
	invoicedRows = rowsStatement{
		prefix: `UPDATE charges SET invoice_id = v.column2 FROM (VALUES `,
		row:    []string{"::bigint", "::bigint"},
		suffix: `) AS v WHERE charges.id = v.column1 AND charges.invoice_id IS NULL`,
	}
	eventRows = rowsStatement{
		prefix: `INSERT INTO events (entity, entity_id, type, occurred_at, metadata) VALUES `,
		row:    []string{"", "", "", "", ""},
		suffix: ` RETURNING id, entity_id, type`,
	}
	// deliveryRows fans events of an entity that is not a subscription
	// out to the platform's endpoints that take them, as fanOut does for
	// one event (only the platform's endpoints see such events).
	deliveryRows = rowsStatement{
		prefix: `INSERT INTO deliveries (event_id, endpoint_id, ordering_key, next_attempt_at, created_at)
			SELECT v.column1, e.id, v.column2, v.column5, v.column6 FROM (VALUES `,
		row: []string{"::bigint", "::text", "::text", "::text", "::bigint", "::timestamptz"},
		suffix: `) AS v JOIN webhook_endpoints e ON (e.events = '' OR e.events LIKE v.column3 OR e.events LIKE v.column4)
			JOIN organizations o ON o.id = e.owner_id WHERE o.kind = 'platform' AND e.product_id IS NULL`,
	}
)

// InsertRunInvoices writes the invoices of a chunk of a billing run as
// they are (drafts, or issued: with their numbers, dates and the seller's
// snapshot), setting their ids, with their lines, their charges (charges[i]
// those of invs[i]) marked invoiced, the ledger entries of the issued ones
// (entries[i]) and their Invoice events: CREATED, and MODIFIED with the
// status issued for each issued one, as issuing a draft records. A charge
// another run invoiced meanwhile is a conflict.
func (tx *Tx) InsertRunInvoices(ctx context.Context, invs []billing.Invoice, charges [][]int64, entries [][]billing.Entry) error {
	if len(invs) == 0 {
		return nil
	}
	type key struct {
		customer, issuer int64
		currency         string
	}
	at := make(map[key]int, len(invs))
	args := make([]any, 0, len(invs)*runInvoiceRows.width())
	for i, inv := range invs {
		if inv.Kind != billing.KindInvoice {
			return fmt.Errorf("insert run invoices: %s is not an invoice", inv.Kind)
		}
		k := key{inv.Customer.ID, inv.Issuer.ID, inv.Currency}
		if _, dup := at[k]; dup {
			return fmt.Errorf("insert run invoices: two invoices of customer %d, issuer %d in %s", k.customer, k.issuer, k.currency)
		}
		at[k] = i
		issuer, err := jsonText(inv.Issuer)
		if err != nil {
			return err
		}
		customer, err := jsonText(inv.Customer)
		if err != nil {
			return err
		}
		var reseller, runID *int64
		if inv.ResellerID != 0 {
			reseller = &invs[i].ResellerID
		}
		if inv.RunID != 0 {
			runID = &invs[i].RunID
		}
		args = append(args, string(inv.Kind), inv.Issuer.ID, inv.Customer.ID, reseller, inv.Period, inv.Currency, string(inv.Status), inv.TaxRate.String(), inv.TaxNote,
			inv.Subtotal.String(), inv.Tax.String(), inv.Total.String(), issuer, customer, runID, nullString(inv.Number), inv.IssuedAt, inv.DueAt, inv.CreatedAt, inv.UpdatedAt,
			inv.Customer.ID, inv.Customer.ID)
	}
	err := runInvoiceRows.query(ctx, tx.t, args, func(rows *sql.Rows) error {
		var (
			id       int64
			k        key
			currency string
		)
		if err := rows.Scan(&id, &k.customer, &k.issuer, &currency); err != nil {
			return err
		}
		k.currency = currency
		i, ok := at[k]
		if !ok {
			return fmt.Errorf("invoice %d returned for no invoice written", id)
		}
		invs[i].ID = id
		return nil
	})
	if err != nil {
		return fmt.Errorf("insert run invoices: %w", err)
	}
	args = args[:0]
	var marks, ledger []any
	var evs []runEvent
	now := tx.s.now()
	for i, inv := range invs {
		if inv.ID == 0 {
			return fmt.Errorf("insert run invoices: no id returned for the invoice of customer %d", inv.Customer.ID)
		}
		for _, l := range inv.Lines {
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
		for _, id := range charges[i] {
			marks = append(marks, id, inv.ID)
		}
		evs = append(evs, runEvent{inv.ID, subscription.EventCreated, map[string]string{"kind": string(inv.Kind)}})
		if inv.Status != billing.StatusDraft {
			evs = append(evs, runEvent{inv.ID, subscription.EventModified, map[string]string{"status": string(inv.Status)}})
			for _, e := range entries[i] {
				var org *int64
				if e.OrganizationID != 0 {
					org = &e.OrganizationID
				}
				ledger = append(ledger, inv.ID, e.LineNo, e.Account, e.Role, org, e.Debit.String(), e.Credit.String(), inv.Currency, inv.Period, now)
			}
		}
	}
	if err := invoiceLineRows.run(ctx, tx.t, args, nil); err != nil {
		if isUniqueViolation(err) {
			return mercato.Errorf(mercato.ECONFLICT, "another billing run is billing the same charges; run again")
		}
		return fmt.Errorf("insert invoice lines: %w", err)
	}
	err = invoicedRows.run(ctx, tx.t, marks, func(res sql.Result, rows int) error {
		if n, err := res.RowsAffected(); err == nil && n != int64(rows) {
			return mercato.Errorf(mercato.ECONFLICT, "another billing run is billing the same charges; run again")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark charges invoiced: %w", err)
	}
	if err := ledgerRows.run(ctx, tx.t, ledger, nil); err != nil {
		return fmt.Errorf("post ledger: %w", err)
	}
	return tx.recordEvents(ctx, subscription.EntityInvoice, evs, now)
}

// runEvent is one event of recordEvents.
type runEvent struct {
	id       int64
	typ      string
	metadata map[string]string
}

// recordEvents writes events of an entity that is not a subscription (no
// scope columns) with their deliveries, as recordEvent does one by one.
func (tx *Tx) recordEvents(ctx context.Context, entity string, evs []runEvent, now time.Time) error {
	if len(evs) == 0 {
		return nil
	}
	if entity == subscription.EntitySubscription {
		return fmt.Errorf("record events: a subscription's events carry its scope; use recordEvent")
	}
	args := make([]any, 0, len(evs)*eventRows.width())
	for _, e := range evs {
		meta, err := jsonText(e.metadata)
		if err != nil {
			return err
		}
		args = append(args, entity, e.id, e.typ, now, meta)
	}
	var fan []any
	err := eventRows.query(ctx, tx.t, args, func(rows *sql.Rows) error {
		var (
			id, entityID int64
			typ          string
		)
		if err := rows.Scan(&id, &entityID, &typ); err != nil {
			return err
		}
		fan = append(fan, id, entity+"/"+strconv.FormatInt(entityID, 10), "%,"+entity+",%", "%,"+entity+"."+typ+",%", micros(now), now)
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %s events: %w", entity, err)
	}
	tx.t.recorded = true
	if err := deliveryRows.run(ctx, tx.t, fan, nil); err != nil {
		return fmt.Errorf("fan out %s events: %w", entity, err)
	}
	return nil
}

// OrganizationsByID returns organizations by id, whoever may see them; an
// id that matches none is not found.
func (tx *Tx) OrganizationsByID(ctx context.Context, ids []int64) (map[int64]mercato.Organization, error) {
	out := make(map[int64]mercato.Organization, len(ids))
	args := make([]any, 0, len(ids))
	for _, id := range ids {
		args = append(args, id)
	}
	err := orgRows.query(ctx, tx.t, args, func(rows *sql.Rows) error {
		o, err := scanOrg(rows)
		if err != nil {
			return err
		}
		out[o.ID] = o
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("organizations: %w", err)
	}
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			return nil, mercato.Errorf(mercato.ENOTFOUND, "organization %d not found", id)
		}
	}
	return out, nil
}

// orgRows reads organizations by a list of ids.
var orgRows = rowsStatement{
	prefix: `SELECT ` + orgColumns + ` FROM organizations o WHERE o.id IN (SELECT column1 FROM (VALUES `,
	row:    []string{"::bigint"},
	suffix: `) AS v)`,
}
