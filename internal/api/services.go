package api

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/api/cloudesire"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

// Orders is the ordering use cases the API runs (internal/ordering).
type Orders interface {
	PlaceOrder(ctx context.Context, p mercato.Principal, r subscription.OrderRequest) (subscription.Order, error)
	Quote(ctx context.Context, p mercato.Principal, r ordering.QuoteRequest) (pricing.Quote, error)
	Change(ctx context.Context, p mercato.Principal, id int64, c subscription.Change) (subscription.Subscription, error)
	ListOrders(ctx context.Context, p mercato.Principal, f subscription.OrderFilter, page mercato.Page) ([]subscription.Order, int64, error)
	Order(ctx context.Context, p mercato.Principal, id int64) (subscription.Order, error)
}

// Lifecycle is the subscription lifecycle use cases the API runs
// (internal/lifecycle).
type Lifecycle interface {
	Act(ctx context.Context, p mercato.Principal, id int64, a subscription.Action) (subscription.Subscription, error)
	SetStatus(ctx context.Context, p mercato.Principal, id int64, to subscription.Status) (subscription.Subscription, error)
	Pay(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Renew(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	ListSubscriptions(ctx context.Context, p mercato.Principal, f subscription.Filter, page mercato.Page) ([]subscription.Subscription, int64, error)
	cloudesire.Lifecycle
}

// WithServices sets the application services the API calls for orders,
// quotes, changes and lifecycle steps (by default, services over the
// store the API is built on). The Cloudesire-compatible API mounted
// beside uses the same lifecycle service.
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
	s.services.defaults(s.store)
}

// Billing is the billing service the API calls (internal/billingrun).
type Billing interface {
	RunBilling(ctx context.Context, p mercato.Principal, opts billingrun.Options) (billing.Run, error)
	IssueInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
	PayInvoice(ctx context.Context, p mercato.Principal, id int64, r billingrun.PaymentRequest) (billing.Invoice, error)
	CreditInvoice(ctx context.Context, p mercato.Principal, id int64, reason string) (billing.Invoice, error)
	RenewalOffer(ctx context.Context, p mercato.Principal, id int64) (billing.Offer, error)
	SetSelfBilling(ctx context.Context, p mercato.Principal, orgID int64, self bool) error
	ListInvoices(ctx context.Context, p mercato.Principal, f billing.InvoiceFilter, page mercato.Page) ([]billing.Invoice, int64, error)
	Invoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
	cloudesire.Invoices
}

// Provisioning is the provisioning-data service the API calls
// (internal/provisioning).
type Provisioning interface {
	SetEndpoints(ctx context.Context, p mercato.Principal, id int64, eps []subscription.Endpoint) ([]subscription.Endpoint, error)
	SetInstructions(ctx context.Context, p mercato.Principal, id int64, m map[string]string) (map[string]string, error)
	AddCredentials(ctx context.Context, p mercato.Principal, id int64, cs []subscription.Credential) ([]subscription.Credential, error)
	Provisioning(ctx context.Context, p mercato.Principal, id int64) (subscription.Provisioning, error)
	Credentials(ctx context.Context, p mercato.Principal, id int64) ([]subscription.Credential, error)
	SetMetadata(ctx context.Context, p mercato.Principal, id int64, m map[string]string) (map[string]string, error)
	Metadata(ctx context.Context, p mercato.Principal, id int64) (map[string]string, error)
}

// UsageRecorder is the usage service the API calls (internal/usage).
type UsageRecorder interface {
	RecordUsage(ctx context.Context, p mercato.Principal, subID int64, r usage.Report) (usage.Record, bool, error)
	ListUsage(ctx context.Context, p mercato.Principal, subID int64, f usage.Filter, page mercato.Page) ([]usage.Record, int64, error)
	Summary(ctx context.Context, p mercato.Principal, subID int64, metric string, from, to time.Time) (usage.Total, error)
}

// services are the application services the handlers call; the ones not
// given with an Option are built over the store.
type services struct {
	billing      Billing
	provisioning Provisioning
	usage        UsageRecorder
}

// WithBilling sets the billing service (default: internal/billingrun over
// the store).
func WithBilling(b Billing) Option { return func(s *Server) { s.services.billing = b } }

// WithProvisioning sets the provisioning-data service (default:
// internal/provisioning over the store); the Cloudesire-compatible API
// uses it too.
func WithProvisioning(p Provisioning) Option {
	return func(s *Server) { s.services.provisioning = p }
}

// WithUsage sets the usage service (default: internal/usage over the
// store).
func WithUsage(u UsageRecorder) Option { return func(s *Server) { s.services.usage = u } }

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
}
