package store

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The reads behind the references of a subscription on the
// Cloudesire-compatible API (company/{id}, invoice/{id}): a vendor sees
// what concerns its products, that is its subscribers' organizations and
// the invoice lines that bill its products' subscriptions, and nothing
// else of them.

// vendorSubscriptions is the SQL set of the ids of the subscriptions to
// the products of the vendor whose id is the query's next argument.
const vendorSubscriptions = "(SELECT vs.id FROM subscriptions vs WHERE vs.vendor_id = %a)"

// subscriberScope adds a condition true when the organization in column
// col is visible to p or, for a vendor, is the customer of a subscription
// to one of its products.
func subscriberScope(q *query, p mercato.Principal, col string) {
	q.add("(")
	orgScope(q, p, col)
	if p.OrgKind == mercato.KindVendor {
		q.add(" OR "+col+" IN (SELECT s.customer_id FROM subscriptions s WHERE s.vendor_id = %a)", p.OrgID)
	}
	q.add(")")
}

// subscriber reads the row of query sel (ending in its id condition) whose
// organization, in column orgCol, passes subscriberScope.
func subscriber[T any](ctx context.Context, s *Store, p mercato.Principal, sel, orgCol, kind string, id int64, scan func(scanner) (T, error)) (T, error) {
	q := &query{}
	q.add(sel+" = %a AND ", id)
	subscriberScope(q, p, orgCol)
	v, err := scan(s.rd().QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return v, notFoundIfNoRows(err, kind, id)
	}
	return v, nil
}

// SubscriberUser returns a user visible to p, or, for a vendor, a user of a
// customer subscribed to one of its products (the buyer a provider looks up
// to provision a tenant).
func (s *Store) SubscriberUser(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error) {
	return subscriber(ctx, s, p, "SELECT "+userColumns+" FROM users u WHERE u.id", "u.organization_id", "user", id, scanUser)
}

// SubscriberOrganization returns an organization visible to p, or, for a
// vendor, the customer of a subscription to one of its products.
func (s *Store) SubscriberOrganization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error) {
	return subscriber(ctx, s, p, "SELECT "+orgColumns+" FROM organizations o WHERE o.id", "o.id", "organization", id, scanOrg)
}

// SubscriptionInvoices lists, oldest first and without their lines, the
// issued invoices (paid and void ones included, drafts not) with a line
// billing subscription subID, as p sees them: the invoices visible to it,
// or, for a vendor, those billing a subscription to its products.
func (s *Store) SubscriptionInvoices(ctx context.Context, p mercato.Principal, subID int64, page Page) ([]billing.Invoice, int64, error) {
	q := &query{}
	q.add("SELECT "+invoiceColumns+" FROM invoices i WHERE i.status <> %a AND i.id IN (SELECT l.invoice_id FROM invoice_lines l WHERE l.subscription_id = %a) AND ",
		string(billing.StatusDraft), subID)
	if p.OrgKind == mercato.KindVendor {
		q.add("%a IN "+vendorSubscriptions, subID, p.OrgID)
	} else {
		invoiceScope(q, p)
	}
	scan := func(r scanner) (billing.Invoice, error) { return scanInvoice(r) }
	return list(ctx, s.rd(), q, "i.id", page, "invoices", scan, func(i billing.Invoice) int64 { return i.ID })
}

// ProviderInvoice returns an issued invoice as p sees it: for a vendor,
// an invoice billing a subscription to one of its products, with only the
// lines that bill such subscriptions (the totals stay the invoice's; the
// billing service sums the lines shown); for anyone else, Invoice.
func (s *Store) ProviderInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error) {
	if p.OrgKind != mercato.KindVendor {
		inv, err := s.Invoice(ctx, p, id)
		if err == nil && inv.Status == billing.StatusDraft {
			return billing.Invoice{}, mercato.NotFound("invoice", id)
		}
		return inv, err
	}
	db := s.rd()
	q := &query{}
	q.add("SELECT "+invoiceColumns+" FROM invoices i WHERE i.id = %a AND i.status <> %a", id, string(billing.StatusDraft))
	q.add(" AND i.id IN (SELECT l.invoice_id FROM invoice_lines l WHERE l.subscription_id IN "+vendorSubscriptions+")", p.OrgID)
	inv, err := scanInvoice(db.QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return inv, notFoundIfNoRows(err, "invoice", id)
	}
	lines := &query{}
	lines.add("invoice_id = %a AND subscription_id IN "+vendorSubscriptions, id, p.OrgID)
	if inv.Lines, err = invoiceLines(ctx, db, lines); err != nil {
		return inv, fmt.Errorf("invoice %d: %w", id, err)
	}
	return inv, nil
}
