package web

import (
	"context"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

// Orders is the ordering use cases the panel runs (internal/ordering), the
// same as the API's, so both enforce the same rules and bounds.
type Orders interface {
	PlaceOrder(ctx context.Context, p mercato.Principal, r subscription.OrderRequest) (subscription.Order, error)
	Quote(ctx context.Context, p mercato.Principal, r ordering.QuoteRequest) (pricing.Quote, error)
	Change(ctx context.Context, p mercato.Principal, id int64, c subscription.Change) (subscription.Subscription, error)
	ListOrders(ctx context.Context, p mercato.Principal, f subscription.OrderFilter, page mercato.Page) ([]subscription.Order, int64, error)
}

// Lifecycle is the subscription lifecycle use cases the panel runs
// (internal/lifecycle).
type Lifecycle interface {
	Act(ctx context.Context, p mercato.Principal, id int64, a subscription.Action) (subscription.Subscription, error)
	Renew(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	ListSubscriptions(ctx context.Context, p mercato.Principal, f subscription.Filter, page mercato.Page) ([]subscription.Subscription, int64, error)
	SubscriptionDetail(ctx context.Context, p mercato.Principal, id int64) (subscription.Detail, error)
}

// WithServices sets the application services the panel calls for orders,
// quotes, changes and lifecycle steps (by default, services over the store
// the panel is built on).
func WithServices(o Orders, l Lifecycle) Option {
	return func(s *Server) { s.orders, s.lifecycle = o, l }
}

// defaultServices builds the services over the store for those not set.
func (s *Server) defaultServices() {
	if s.orders == nil {
		s.orders = app.Ordering(s.store)
	}
	if s.lifecycle == nil {
		s.lifecycle = app.Lifecycle(s.store)
	}
}

// Billing is the billing service the panel calls (internal/billingrun).
type Billing interface {
	RunBilling(ctx context.Context, p mercato.Principal, opts billingrun.Options) (billing.Run, error)
	RenewalOffer(ctx context.Context, p mercato.Principal, id int64) (billing.Offer, error)
	ListBillingRuns(ctx context.Context, p mercato.Principal, limit int) ([]billing.Run, error)
	ListInvoices(ctx context.Context, p mercato.Principal, f billing.InvoiceFilter, page mercato.Page) ([]billing.Invoice, int64, error)
	Invoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
}

// Usage is the usage service the panel reads through (internal/usage).
type Usage interface {
	ListUsage(ctx context.Context, p mercato.Principal, subID int64, f usage.Filter, page mercato.Page) ([]usage.Record, int64, error)
}

// Provisioning is the provisioning-data service the panel reads through
// (internal/provisioning).
type Provisioning interface {
	Provisioning(ctx context.Context, p mercato.Principal, id int64) (subscription.Provisioning, error)
}

// services are the application services the pages call; the ones not
// given with an Option are built over the store.
type services struct {
	billing      Billing
	provisioning Provisioning
	usage        Usage
	outbox       Outbox
}

// WithUsage sets the usage service (default: internal/usage over the
// store).
func WithUsage(u Usage) Option { return func(s *Server) { s.services.usage = u } }

// WithBilling sets the billing service (default: internal/billingrun over
// the store).
func WithBilling(b Billing) Option { return func(s *Server) { s.services.billing = b } }

// WithProvisioning sets the provisioning-data service (default:
// internal/provisioning over the store).
func WithProvisioning(p Provisioning) Option {
	return func(s *Server) { s.services.provisioning = p }
}

func (sv *services) defaults(st *store.Store) {
	if sv.billing == nil {
		sv.billing = billingrun.New(st, store.TxFunc[billingrun.Tx](st))
	}
	if sv.provisioning == nil {
		sv.provisioning = provisioning.New(st, store.TxFunc[provisioning.Tx](st))
	}
	if sv.usage == nil {
		sv.usage = usage.New(st, store.TxFunc[usage.Tx](st))
	}
	if sv.outbox == nil {
		sv.outbox = app.Notify(st)
	}
}

// Outbox is the operator's view of the mail outbox (internal/notify): the
// platform reads every message; everyone else is refused.
type Outbox interface {
	Outbox(ctx context.Context, p mercato.Principal, f mail.Filter) ([]mail.Message, error)
	OutboxMessage(ctx context.Context, p mercato.Principal, id int64) (mail.Message, error)
}

// WithOutbox sets the outbox service (default: internal/notify over the
// store).
func WithOutbox(o Outbox) Option { return func(s *Server) { s.services.outbox = o } }
