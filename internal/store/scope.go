package store

import "github.com/mercato-market/mercato/internal/mercato"

// The visibility rules, written once as SQL conditions and used by every
// query that reads or changes a row on a caller's behalf:
//
//   - the platform sees everything;
//   - a distributor sees itself, its resellers and their customers;
//   - a reseller sees itself and its customers;
//   - a vendor sees itself, and subscriptions and orders of its products;
//   - a customer sees itself and its own subscriptions and orders.
//
// Products are visible to everyone when published, otherwise only to their
// vendor and the platform. Webhook endpoints are visible to their owner and
// the platform.

// orgScope adds to q a condition true when the organization in column col
// is visible to p.
func orgScope(q *query, p mercato.Principal, col string) {
	switch p.OrgKind {
	case mercato.KindPlatform:
		q.add("TRUE")
	case mercato.KindDistributor:
		q.add("("+col+" = %a OR "+col+" IN (SELECT id FROM organizations WHERE parent_id = %a)"+
			" OR "+col+" IN (SELECT c.id FROM organizations c JOIN organizations r ON c.parent_id = r.id WHERE r.parent_id = %a))",
			p.OrgID, p.OrgID, p.OrgID)
	case mercato.KindReseller:
		q.add("("+col+" = %a OR "+col+" IN (SELECT id FROM organizations WHERE parent_id = %a))", p.OrgID, p.OrgID)
	default:
		q.add(col+" = %a", p.OrgID)
	}
}

// productScope adds a condition true when the product in column col (with
// its vendor in vendorCol and its published flag in publishedCol) is
// visible to p.
func productScope(q *query, p mercato.Principal, vendorCol, publishedCol string) {
	if p.IsPlatform() {
		q.add("TRUE")
		return
	}
	q.add("("+publishedCol+" OR "+vendorCol+" = %a)", p.OrgID)
}

// subscriptionScope adds a condition true when the subscription, order or
// event aliased as t is visible to p. Each such row carries the
// organizations that may see it (migration 00027: customer_id,
// reseller_id, distributor_id, vendor_id), so every role's condition is one
// equality on a column indexed with the id: a list is an index range scan
// in id order, however many rows the others have (TestScopedListPlans).
//
// The columns hold the rules above: reseller_id is the customer's parent
// (a reseller sees its customers), distributor_id the first distributor
// above the customer (a distributor sees its resellers' customers and its
// own), vendor_id the product's vendor (a vendor's sandbox subscriptions,
// where it is the customer, are of its own products).
func subscriptionScope(q *query, p mercato.Principal, t string) {
	switch p.OrgKind {
	case mercato.KindPlatform:
		q.add("TRUE")
	case mercato.KindVendor:
		q.add(t+".vendor_id = %a", p.OrgID)
	case mercato.KindDistributor:
		q.add(t+".distributor_id = %a", p.OrgID)
	case mercato.KindReseller:
		q.add(t+".reseller_id = %a", p.OrgID)
	default:
		q.add(t+".customer_id = %a", p.OrgID)
	}
}

// endpointScope adds a condition true when the webhook endpoint e is
// visible to p: the platform sees every endpoint, anyone else its own.
func endpointScope(q *query, p mercato.Principal) {
	if p.IsPlatform() {
		q.add("TRUE")
		return
	}
	q.add("e.owner_id = %a", p.OrgID)
}

// distributorOf is an SQL expression for the first distributor above the
// customer whose id is the parameter param (its parent or grandparent), or
// NULL: the distributor_id of the customer's subscriptions.
func distributorOf(param string) string {
	return `(SELECT CASE WHEN r.kind = 'distributor' THEN r.id WHEN d.kind = 'distributor' THEN d.id END
		FROM organizations c LEFT JOIN organizations r ON r.id = c.parent_id LEFT JOIN organizations d ON d.id = r.parent_id
		WHERE c.id = ` + param + `)`
}

// invoiceResellerOf is an SQL expression for the reseller that sees the
// invoices of the customer whose id is the parameter param: the customer
// itself if it is a reseller, else its parent if that is one, else NULL
// (invoices.viewer_reseller_id, migration 00036).
func invoiceResellerOf(param string) string {
	return `(SELECT CASE WHEN c.kind = 'reseller' THEN c.id WHEN r.kind = 'reseller' THEN r.id END
		FROM organizations c LEFT JOIN organizations r ON r.id = c.parent_id WHERE c.id = ` + param + `)`
}

// invoiceDistributorOf is an SQL expression for the distributor that sees
// the invoices of the customer whose id is the parameter param: the
// customer, its parent or its grandparent, whichever first is a
// distributor, or NULL (invoices.viewer_distributor_id, migration 00036).
func invoiceDistributorOf(param string) string {
	return `(SELECT CASE WHEN c.kind = 'distributor' THEN c.id WHEN r.kind = 'distributor' THEN r.id WHEN d.kind = 'distributor' THEN d.id END
		FROM organizations c LEFT JOIN organizations r ON r.id = c.parent_id LEFT JOIN organizations d ON d.id = r.parent_id
		WHERE c.id = ` + param + `)`
}
