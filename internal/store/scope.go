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

// subscriptionScope adds a condition true when the subscription or order
// with its customer in customerCol and product in productCol is visible
// to p.
func subscriptionScope(q *query, p mercato.Principal, customerCol, productCol string) {
	if p.OrgKind == mercato.KindVendor {
		q.add("("+customerCol+" = %a OR "+productCol+" IN (SELECT id FROM products WHERE vendor_id = %a))", p.OrgID, p.OrgID)
		return
	}
	orgScope(q, p, customerCol)
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
