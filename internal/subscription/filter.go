package subscription

import "github.com/mercato-market/mercato/internal/catalog"

// Filter narrows a list of subscriptions.
type Filter struct {
	CustomerID int64
	ProductID  int64
	Status     Status
}

// OrderFilter narrows a list of orders.
type OrderFilter struct {
	CustomerID     int64
	SubscriptionID int64
}

// Detail is a subscription with what the Cloudesire-compatible
// API shows beside it.
type Detail struct {
	Subscription
	Product catalog.Product
	Plan    catalog.Plan
	BuyerID int64 // the user who ordered it (0 when unknown)
	Provisioning
}
