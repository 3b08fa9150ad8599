package api

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/api/cloudesire"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/messaging"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/usage"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// Orders is the ordering use cases the API runs (internal/ordering).
type Orders interface {
	PlaceOrder(ctx context.Context, p mercato.Principal, r subscription.OrderRequest) (subscription.Order, error)
	Quote(ctx context.Context, p mercato.Principal, r ordering.QuoteRequest) (pricing.Quote, error)
	Change(ctx context.Context, p mercato.Principal, id int64, c subscription.Change) (subscription.Subscription, error)
	// ScheduledChange is the downgrade waiting for the end of the period
	// charged, or nil; CancelScheduledChange cancels it.
	ScheduledChange(ctx context.Context, p mercato.Principal, id int64) (*subscription.ScheduledChange, error)
	CancelScheduledChange(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	// TermsAcceptance is the publisher's terms accepted with the
	// subscription's first order, or nil.
	TermsAcceptance(ctx context.Context, p mercato.Principal, subID int64) (*catalog.TermsAcceptance, error)
	ListOrders(ctx context.Context, p mercato.Principal, f subscription.OrderFilter, page mercato.Page) ([]subscription.Order, int64, error)
	Order(ctx context.Context, p mercato.Principal, id int64) (subscription.Order, error)
}

// Coupons is the coupons' use cases the API runs (internal/coupons).
type Coupons interface {
	Create(ctx context.Context, p mercato.Principal, c coupon.Coupon) (coupon.Coupon, error)
	List(ctx context.Context, p mercato.Principal, page mercato.Page) ([]coupon.Coupon, int64, error)
	Get(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error)
	Deactivate(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error)
}

// Lifecycle is the subscription lifecycle use cases the API runs
// (internal/lifecycle).
type Lifecycle interface {
	Act(ctx context.Context, p mercato.Principal, id int64, a subscription.Action) (subscription.Subscription, error)
	Reject(ctx context.Context, p mercato.Principal, id int64, reason string) (subscription.Subscription, error)
	SetStatus(ctx context.Context, p mercato.Principal, id int64, to subscription.Status) (subscription.Subscription, error)
	Pay(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Convert(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	CancelTermination(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Renew(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	ListSubscriptions(ctx context.Context, p mercato.Principal, f subscription.Filter, page mercato.Page) ([]subscription.Subscription, int64, error)
	cloudesire.Lifecycle
}

// Billing is the billing service the API calls (internal/billingrun).
type Billing interface {
	StartBilling(ctx context.Context, p mercato.Principal, opts billingrun.Options) (billing.Run, error)
	BillingRun(ctx context.Context, p mercato.Principal, id int64) (billing.Run, error)
	IssueInvoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
	PayInvoice(ctx context.Context, p mercato.Principal, id int64, r billingrun.PaymentRequest) (billing.Invoice, error)
	CreditInvoice(ctx context.Context, p mercato.Principal, id int64, r billing.CreditRequest) (billing.Invoice, error)
	OperatorSettings(ctx context.Context, p mercato.Principal) (billing.Seller, error)
	SaveOperatorSettings(ctx context.Context, p mercato.Principal, st billing.Seller) (billing.Seller, error)
	TaxRates(ctx context.Context, p mercato.Principal) ([]billing.TaxRate, error)
	AddTaxRate(ctx context.Context, p mercato.Principal, r billing.TaxRate) (billing.TaxRate, error)
	DunningSettings(ctx context.Context, p mercato.Principal) (billing.DunningSettings, error)
	SaveDunningSettings(ctx context.Context, p mercato.Principal, d billing.DunningSettings) (billing.DunningSettings, error)
	RenewalOffer(ctx context.Context, p mercato.Principal, id int64) (billing.Offer, error)
	SetSelfBilling(ctx context.Context, p mercato.Principal, orgID int64, self bool) error
	ListInvoices(ctx context.Context, p mercato.Principal, f billing.InvoiceFilter, page mercato.Page) ([]billing.Invoice, int64, error)
	Invoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
	cloudesire.Invoices
	cloudesire.CustomBilling
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
	VoidUsage(ctx context.Context, p mercato.Principal, subID, id int64, reason string) (usage.Record, error)
	Summary(ctx context.Context, p mercato.Principal, subID int64, metric string, from, to time.Time) (usage.Total, error)
}

// Catalog is the catalog service the API calls (internal/listing): the
// products and plans, and the ARM template upload. The
// Cloudesire-compatible API mounted beside reads products and plans
// through it too.
type Catalog interface {
	Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
	ListProducts(ctx context.Context, p mercato.Principal, f catalog.ProductFilter, page mercato.Page) ([]catalog.Product, int64, error)
	ListPlans(ctx context.Context, p mercato.Principal, productID int64, page mercato.Page) ([]catalog.Plan, int64, error)
	// PlanPrices is a plan's price history, oldest first.
	PlanPrices(ctx context.Context, p mercato.Principal, id int64) ([]catalog.PriceVersion, error)
	CreateProduct(ctx context.Context, p mercato.Principal, prod catalog.Product) (catalog.Product, error)
	UpdateProduct(ctx context.Context, p mercato.Principal, id int64, u listing.ProductUpdate) (catalog.Product, error)
	DeleteProduct(ctx context.Context, p mercato.Principal, id int64) error
	SetARMTemplate(ctx context.Context, p mercato.Principal, id int64, u armproduct.Upload) (catalog.Product, error)
	CreatePlan(ctx context.Context, p mercato.Principal, plan catalog.Plan) (catalog.Plan, error)
	UpdatePlan(ctx context.Context, p mercato.Principal, id int64, u listing.PlanUpdate) (catalog.Plan, error)
	DeletePlan(ctx context.Context, p mercato.Principal, id int64) error
	// ProductPage and PlanPage are the Cloudesire-compatible lists'.
	ProductPage(ctx context.Context, p mercato.Principal, f catalog.ProductFilter, pg mercato.NumberedPage) ([]catalog.Product, int, error)
	PlanPage(ctx context.Context, p mercato.Principal, productID int64, pg mercato.NumberedPage) ([]catalog.Plan, int, error)
}

// Channel is the channel service the API calls (internal/channel): price
// lists, earnings, exchange rates and the operator's fee rules.
type Channel interface {
	PriceList(ctx context.Context, p mercato.Principal, orgID int64) ([]pricing.PriceListEntry, error)
	SetPrice(ctx context.Context, p mercato.Principal, e pricing.PriceListEntry) (pricing.PriceListEntry, error)
	DeletePrice(ctx context.Context, p mercato.Principal, orgID, planID int64) error
	// Curation and SetCuration read and set a reseller's curated catalog.
	Curation(ctx context.Context, p mercato.Principal, resellerID int64) (catalog.Curation, error)
	SetCuration(ctx context.Context, p mercato.Principal, c catalog.Curation) (catalog.Curation, error)
	Earnings(ctx context.Context, p mercato.Principal, r channel.EarningsRequest) ([]billing.Statement, error)
	ExchangeRates(ctx context.Context, p mercato.Principal, base, quote string) ([]pricing.ExchangeRate, error)
	SetExchangeRate(ctx context.Context, p mercato.Principal, r pricing.ExchangeRate) (pricing.ExchangeRate, error)
	FeeRules(ctx context.Context, p mercato.Principal) ([]catalog.FeeRule, error)
	SetFeeRule(ctx context.Context, p mercato.Principal, r catalog.FeeRule) (catalog.FeeRule, error)
	DeleteFeeRule(ctx context.Context, p mercato.Principal, vendorID int64, productType catalog.ProductType) error
}

// Webhooks is the webhooks service the API calls (internal/webhooks):
// endpoints, their delivery log and replays, and the outbox's events.
type Webhooks interface {
	CreateEndpoint(ctx context.Context, p mercato.Principal, e syndication.Endpoint) (syndication.Endpoint, error)
	UpdateEndpoint(ctx context.Context, p mercato.Principal, id int64, c syndication.EndpointChange) (syndication.Endpoint, error)
	RotateSecret(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error)
	DeleteEndpoint(ctx context.Context, p mercato.Principal, id int64) error
	Endpoint(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error)
	ListEndpoints(ctx context.Context, p mercato.Principal, f webhooks.EndpointFilter, page mercato.Page) ([]syndication.Endpoint, int64, error)
	Replay(ctx context.Context, p mercato.Principal, endpointID int64, r syndication.Replay) (int64, error)
	ListAttempts(ctx context.Context, p mercato.Principal, f webhooks.AttemptFilter, page mercato.Page) ([]syndication.Attempt, int64, error)
	ListEvents(ctx context.Context, p mercato.Principal, f webhooks.EventFilter, page mercato.Page) ([]subscription.Event, int64, error)
}

// Notifications is the part of the messaging service the API calls
// (internal/messaging).
type Notifications interface {
	ListNotifications(ctx context.Context, p mercato.Principal) ([]messaging.Notification, error)
}

// Accounts is the accounts service the API calls (internal/accounts):
// organizations, users, API tokens and the audit log. The
// Cloudesire-compatible API mounted beside uses it too (SubscriberUser).
type Accounts interface {
	ListOrganizations(ctx context.Context, p mercato.Principal, f mercato.OrganizationFilter, page mercato.Page) ([]mercato.Organization, int64, error)
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	CreateOrganization(ctx context.Context, p mercato.Principal, o mercato.Organization) (mercato.Organization, error)
	UpdateOrganization(ctx context.Context, p mercato.Principal, id int64, u accounts.OrganizationUpdate) (mercato.Organization, error)
	ListUsers(ctx context.Context, p mercato.Principal, orgID int64, page mercato.Page) ([]mercato.User, int64, error)
	User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	SubscriberUser(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	CreateUser(ctx context.Context, p mercato.Principal, u mercato.User) (mercato.User, error)
	ResendInvitation(ctx context.Context, p mercato.Principal, id int64) error
	UpdateUser(ctx context.Context, p mercato.Principal, id int64, u accounts.UserUpdate) (mercato.User, error)
	UpdateProfile(ctx context.Context, p mercato.Principal, u accounts.ProfileUpdate) (mercato.User, error)
	DeleteUser(ctx context.Context, p mercato.Principal, id int64) error
	ListTokens(ctx context.Context, p mercato.Principal) ([]mercato.Token, error)
	CreateToken(ctx context.Context, p mercato.Principal, userID int64, name string) (mercato.Token, string, error)
	DeleteToken(ctx context.Context, p mercato.Principal, id int64) error
	ListAudit(ctx context.Context, p mercato.Principal, f mercato.AuditFilter, page mercato.Page) ([]mercato.AuditEntry, int64, error)
	// CheckPassword is the Cloudesire-compatible /api/login's; UserPage
	// and OrganizationPage its lists'.
	CheckPassword(ctx context.Context, email, password string) (mercato.Principal, error)
	UserPage(ctx context.Context, p mercato.Principal, pg mercato.NumberedPage) ([]mercato.User, int, error)
	OrganizationPage(ctx context.Context, p mercato.Principal, pg mercato.NumberedPage) ([]mercato.Organization, int, error)
}

// Health reports whether the marketplace can serve: its database answers
// and takes writes (GET /readyz).
type Health interface {
	Ready(ctx context.Context) error
}

// Services are what the API calls: the application services, the callers
// its own front door resolves when it is served alone (tests, benchmarks;
// behind serve's door they are resolved already), readiness, and the clock
// the Cloudesire-compatible API counts days on. internal/app builds them
// over the store.
type Services struct {
	Orders       Orders
	Lifecycle    Lifecycle
	Billing      Billing
	Retention    Retention
	Provisioning Provisioning
	Usage        UsageRecorder
	Catalog      Catalog
	Channel      Channel
	Webhooks     Webhooks
	Messaging    Notifications
	Accounts     Accounts
	Coupons      Coupons
	Callers      frontdoor.Callers
	Health       Health
	Clock        func() time.Time
}
