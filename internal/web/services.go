package web

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/messaging"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/usage"
	"github.com/mercato-market/mercato/internal/webhooks"
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
	catalog      Catalog
	channel      Channel
	webhooks     Webhooks
	messaging    Messaging
	accounts     Accounts
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
	if sv.catalog == nil {
		sv.catalog = listing.New(st, store.TxFunc[listing.Tx](st))
	}
	if sv.channel == nil {
		sv.channel = channel.New(st, store.TxFunc[channel.Tx](st))
	}
	if sv.webhooks == nil {
		sv.webhooks = webhooks.New(st, store.TxFunc[webhooks.Tx](st))
	}
	if sv.messaging == nil {
		sv.messaging = messaging.New(st, store.TxFunc[messaging.Tx](st))
	}
	if sv.accounts == nil {
		sv.accounts = accounts.New(st, store.TxFunc[accounts.Tx](st))
	}
	if sv.outbox == nil {
		sv.outbox = app.Notify(st)
	}
}

// Catalog is the catalog service the panel calls (internal/listing): the
// catalog and product pages, the vendor's products and plans, the ARM
// template upload, and reviews.
type Catalog interface {
	Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
	ListProducts(ctx context.Context, p mercato.Principal, f catalog.ProductFilter, page mercato.Page) ([]catalog.Product, int64, error)
	ListPlans(ctx context.Context, p mercato.Principal, productID int64, page mercato.Page) ([]catalog.Plan, int64, error)
	CreateProduct(ctx context.Context, p mercato.Principal, prod catalog.Product) (catalog.Product, error)
	UpdateProduct(ctx context.Context, p mercato.Principal, id int64, u listing.ProductUpdate) (catalog.Product, error)
	SetARMTemplate(ctx context.Context, p mercato.Principal, id int64, u armproduct.Upload) (catalog.Product, error)
	CreatePlan(ctx context.Context, p mercato.Principal, plan catalog.Plan) (catalog.Plan, error)
	UpdatePlan(ctx context.Context, p mercato.Principal, id int64, u listing.PlanUpdate) (catalog.Plan, error)
	Reviews(ctx context.Context, p mercato.Principal, productID int64) ([]catalog.Review, catalog.Rating, error)
	Ratings(ctx context.Context) (map[int64]catalog.Rating, error)
	SetReview(ctx context.Context, p mercato.Principal, productID int64, rating int, body string) (catalog.Review, error)
}

// WithCatalog sets the catalog service (default: internal/listing over the
// store).
func WithCatalog(c Catalog) Option { return func(s *Server) { s.services.catalog = c } }

// Channel is the channel service the panel calls (internal/channel): the
// price list page and earnings.
type Channel interface {
	PriceList(ctx context.Context, p mercato.Principal, orgID int64) ([]pricing.PriceListEntry, error)
	SetPrice(ctx context.Context, p mercato.Principal, e pricing.PriceListEntry) (pricing.PriceListEntry, error)
	DeletePrice(ctx context.Context, p mercato.Principal, orgID, planID int64) error
	Earnings(ctx context.Context, p mercato.Principal, r channel.EarningsRequest) ([]billing.Statement, error)
}

// WithChannel sets the channel service (default: internal/channel over the
// store).
func WithChannel(c Channel) Option { return func(s *Server) { s.services.channel = c } }

// Webhooks is the webhooks service the panel calls (internal/webhooks):
// the vendor's endpoints and delivery log, the operator's delivery counts.
type Webhooks interface {
	CreateEndpoint(ctx context.Context, p mercato.Principal, e syndication.Endpoint) (syndication.Endpoint, error)
	UpdateEndpoint(ctx context.Context, p mercato.Principal, id int64, c syndication.EndpointChange) (syndication.Endpoint, error)
	RotateSecret(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error)
	Endpoint(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error)
	ListEndpoints(ctx context.Context, p mercato.Principal, f webhooks.EndpointFilter, page mercato.Page) ([]syndication.Endpoint, int64, error)
	Replay(ctx context.Context, p mercato.Principal, endpointID int64, r syndication.Replay) (int64, error)
	ListAttempts(ctx context.Context, p mercato.Principal, f webhooks.AttemptFilter, page mercato.Page) ([]syndication.Attempt, int64, error)
	DeliveryCounts(ctx context.Context, p mercato.Principal) (pending, delivered int64, err error)
}

// Messaging is the messaging service the panel calls (internal/messaging):
// subscriptions' threads and the notifications to organizations.
type Messaging interface {
	PostMessage(ctx context.Context, p mercato.Principal, subID int64, body string) (messaging.Message, error)
	Messages(ctx context.Context, p mercato.Principal, subID int64) ([]messaging.Message, error)
	Threads(ctx context.Context, p mercato.Principal) ([]messaging.Thread, error)
	UnreadMessages(ctx context.Context, p mercato.Principal) (int, error)
	ListNotifications(ctx context.Context, p mercato.Principal) ([]messaging.Notification, error)
}

// WithWebhooks sets the webhooks service (default: internal/webhooks over
// the store).
func WithWebhooks(w Webhooks) Option { return func(s *Server) { s.services.webhooks = w } }

// WithMessaging sets the messaging service (default: internal/messaging
// over the store).
func WithMessaging(m Messaging) Option { return func(s *Server) { s.services.messaging = m } }

// Accounts is the accounts service the panel calls (internal/accounts):
// the organizations and users it shows, sign-in, sessions and password
// resets.
type Accounts interface {
	ListOrganizations(ctx context.Context, p mercato.Principal, f mercato.OrganizationFilter, page mercato.Page) ([]mercato.Organization, int64, error)
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	ListUsers(ctx context.Context, p mercato.Principal, orgID int64, page mercato.Page) ([]mercato.User, int64, error)
	User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	CheckPassword(ctx context.Context, email, password string) (mercato.Principal, error)
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error)
	DeleteSession(ctx context.Context, secret string) error
	CreatePasswordReset(ctx context.Context, email string, ttl time.Duration) (string, mercato.User, error)
	ResetPassword(ctx context.Context, secret, password string) error
}

// WithAccounts sets the accounts service (default: internal/accounts over
// the store).
func WithAccounts(a Accounts) Option { return func(s *Server) { s.services.accounts = a } }

// Outbox is the operator's view of the mail outbox (internal/notify): the
// platform reads every message; everyone else is refused.
type Outbox interface {
	Outbox(ctx context.Context, p mercato.Principal, f mail.Filter) ([]mail.Message, error)
	OutboxMessage(ctx context.Context, p mercato.Principal, id int64) (mail.Message, error)
}

// WithOutbox sets the outbox service (default: internal/notify over the
// store).
func WithOutbox(o Outbox) Option { return func(s *Server) { s.services.outbox = o } }
