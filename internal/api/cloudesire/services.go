package cloudesire

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The services the handlers read a subscription's references through:
// its orders (internal/ordering) and invoices (internal/billingrun). Both
// apply the store's visibility rules; a vendor sees the orders of its
// products and the invoice lines that bill them.

// Orders reads orders and changes a subscription's plan (internal/ordering:
// SYNDICATED_UPGRADE is a CHANGE order).
type Orders interface {
	Change(ctx context.Context, p mercato.Principal, id int64, c subscription.Change) (subscription.Subscription, error)
	ListOrders(ctx context.Context, p mercato.Principal, f subscription.OrderFilter, page mercato.Page) ([]subscription.Order, int64, error)
	Order(ctx context.Context, p mercato.Principal, id int64) (subscription.Order, error)
}

// Invoices reads the invoices of subscriptions as their parties see them
// (internal/billingrun).
type Invoices interface {
	SubscriptionInvoices(ctx context.Context, p mercato.Principal, subID int64, page mercato.Page) ([]billing.Invoice, int64, error)
	ProviderInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
}

// Services are what the handlers call: the application services (each
// applies the store's visibility rules) and the marketplace's clock, which
// the current billing period and the window of expiring subscriptions are
// computed from. internal/app builds them over the store.
type Services struct {
	Lifecycle    Lifecycle
	Provisioning Provisioning
	Catalog      Catalog
	Accounts     Accounts
	Orders       Orders
	Invoices     Invoices
	// CustomBilling bills a provider's own lines (custombilling.go).
	CustomBilling CustomBilling
	Events        Events
	Clock         func() time.Time
}

// now is the marketplace's clock.
func (h *Handler) now() time.Time { return h.Clock() }
