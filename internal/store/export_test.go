package store

import "github.com/mercato-market/mercato/internal/mercato"

// IsUniqueViolation exposes isUniqueViolation to the package's external
// tests, which run it on real errors of both engines.
var IsUniqueViolation = isUniqueViolation

// ScopedList is the SQL and arguments of a first page of a list.
type ScopedList struct {
	SQL  string
	Args []any
}

// ScopedLists returns the first page's query of each list scoped by the
// caller's role, for TestScopedListPlans to EXPLAIN.
func ScopedLists(p mercato.Principal) map[string]ScopedList {
	out := map[string]ScopedList{}
	for name, l := range map[string]struct {
		q  *query
		id string
	}{
		"subscriptions": {subscriptionList(p, SubscriptionFilter{}), "s.id"},
		"orders":        {orderList(p, OrderFilter{}), "o.id"},
		"events":        {eventList(p, EventFilter{}), "e.id"},
		"invoices":      {invoiceList(p, InvoiceFilter{}), "i.id"},
	} {
		paginate(l.q, l.id, Page{After: 1})
		out[name] = ScopedList{SQL: l.q.String(), Args: l.q.args}
	}
	return out
}
