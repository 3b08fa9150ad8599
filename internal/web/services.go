package web

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/messaging"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/overview"
	"github.com/mercato-market/mercato/internal/pricing"
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
	// TermsAcceptance is the publisher's terms accepted with the
	// subscription's first order, or nil.
	TermsAcceptance(ctx context.Context, p mercato.Principal, subID int64) (*catalog.TermsAcceptance, error)
}

// Coupons is the coupons' use cases the panel runs (internal/coupons).
type Coupons interface {
	Create(ctx context.Context, p mercato.Principal, c coupon.Coupon) (coupon.Coupon, error)
	List(ctx context.Context, p mercato.Principal, page mercato.Page) ([]coupon.Coupon, int64, error)
	Deactivate(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error)
}

// Lifecycle is the subscription lifecycle use cases the panel runs
// (internal/lifecycle).
type Lifecycle interface {
	Act(ctx context.Context, p mercato.Principal, id int64, a subscription.Action) (subscription.Subscription, error)
	Reject(ctx context.Context, p mercato.Principal, id int64, reason string) (subscription.Subscription, error)
	Renew(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Convert(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	CancelTermination(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	ListSubscriptions(ctx context.Context, p mercato.Principal, f subscription.Filter, page mercato.Page) ([]subscription.Subscription, int64, error)
	SubscriptionDetail(ctx context.Context, p mercato.Principal, id int64) (subscription.Detail, error)
}

// Billing is the billing service the panel calls (internal/billingrun).
type Billing interface {
	StartBilling(ctx context.Context, p mercato.Principal, opts billingrun.Options) (billing.Run, error)
	BillingRun(ctx context.Context, p mercato.Principal, id int64) (billing.Run, error)
	RenewalOffer(ctx context.Context, p mercato.Principal, id int64) (billing.Offer, error)
	ListBillingRuns(ctx context.Context, p mercato.Principal, limit int) ([]billing.Run, error)
	ListInvoices(ctx context.Context, p mercato.Principal, f billing.InvoiceFilter, page mercato.Page) ([]billing.Invoice, int64, error)
	Invoice(ctx context.Context, p mercato.Principal, id int64) (billing.Invoice, error)
	CreditInvoice(ctx context.Context, p mercato.Principal, id int64, r billing.CreditRequest) (billing.Invoice, error)
	PayInvoice(ctx context.Context, p mercato.Principal, id int64, r billingrun.PaymentRequest) (billing.Invoice, error)
	InvoiceBalance(ctx context.Context, p mercato.Principal, id int64) (billingrun.Balance, error)
	ListPayments(ctx context.Context, p mercato.Principal, f billing.PaymentFilter) ([]billing.ListedPayment, error)
	OperatorSettings(ctx context.Context, p mercato.Principal) (billing.Seller, error)
	SaveOperatorSettings(ctx context.Context, p mercato.Principal, st billing.Seller) (billing.Seller, error)
	TaxRates(ctx context.Context, p mercato.Principal) ([]billing.TaxRate, error)
	AddTaxRate(ctx context.Context, p mercato.Principal, r billing.TaxRate) (billing.TaxRate, error)
	DunningSettings(ctx context.Context, p mercato.Principal) (billing.DunningSettings, error)
	SaveDunningSettings(ctx context.Context, p mercato.Principal, d billing.DunningSettings) (billing.DunningSettings, error)
}

// Usage is the usage service the panel reads through (internal/usage).
type Usage interface {
	ListUsage(ctx context.Context, p mercato.Principal, subID int64, f usage.Filter, page mercato.Page) ([]usage.Record, int64, error)
	Series(ctx context.Context, p mercato.Principal, subID int64, r usage.SeriesRequest) (usage.Series, error)
}

// Provisioning is the provisioning-data service the panel reads through
// (internal/provisioning).
type Provisioning interface {
	Provisioning(ctx context.Context, p mercato.Principal, id int64) (subscription.Provisioning, error)
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

// Channel is the channel service the panel calls (internal/channel): the
// price list page, earnings and the operator's fee rules.
type Channel interface {
	PriceList(ctx context.Context, p mercato.Principal, orgID int64) ([]pricing.PriceListEntry, error)
	SetPrice(ctx context.Context, p mercato.Principal, e pricing.PriceListEntry) (pricing.PriceListEntry, error)
	DeletePrice(ctx context.Context, p mercato.Principal, orgID, planID int64) error
	Earnings(ctx context.Context, p mercato.Principal, r channel.EarningsRequest) ([]billing.Statement, error)
	EarningsTrend(ctx context.Context, p mercato.Principal, r channel.EarningsRequest) (channel.Trend, error)
	FeeRules(ctx context.Context, p mercato.Principal) ([]catalog.FeeRule, error)
	SetFeeRule(ctx context.Context, p mercato.Principal, r catalog.FeeRule) (catalog.FeeRule, error)
	DeleteFeeRule(ctx context.Context, p mercato.Principal, vendorID int64, productType catalog.ProductType) error
	// Curation and SetCuration read and set a reseller's curated catalog
	// (the distributor's Catalog page of each reseller).
	Curation(ctx context.Context, p mercato.Principal, resellerID int64) (catalog.Curation, error)
	SetCuration(ctx context.Context, p mercato.Principal, c catalog.Curation) (catalog.Curation, error)
}

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
	Health(ctx context.Context, p mercato.Principal) ([]webhooks.Health, error)
}

// Overview is the operator's business report (internal/overview).
type Overview interface {
	Report(ctx context.Context, p mercato.Principal) (overview.Report, error)
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

// Accounts is the accounts service the panel calls (internal/accounts):
// the organizations and users it shows, sign-in, sessions and password
// resets.
type Accounts interface {
	ListOrganizations(ctx context.Context, p mercato.Principal, f mercato.OrganizationFilter, page mercato.Page) ([]mercato.Organization, int64, error)
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	ListUsers(ctx context.Context, p mercato.Principal, orgID int64, page mercato.Page) ([]mercato.User, int64, error)
	User(ctx context.Context, p mercato.Principal, id int64) (mercato.User, error)
	CheckPassword(ctx context.Context, email, password string) (mercato.Principal, error)
	SignInWithIdentity(ctx context.Context, id accounts.Identity) (mercato.Principal, error)
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error)
	DeleteSession(ctx context.Context, secret string) error
	RequestPasswordReset(ctx context.Context, email string, ttl time.Duration) error
	UpdateProfile(ctx context.Context, p mercato.Principal, u accounts.ProfileUpdate) (mercato.User, error)
	ResetPassword(ctx context.Context, secret, password string) error
	CreateUser(ctx context.Context, p mercato.Principal, u mercato.User) (mercato.User, error)
	ResendInvitation(ctx context.Context, p mercato.Principal, id int64) error
	AcceptInvitation(ctx context.Context, secret, password string, ttl time.Duration) (string, error)
	CreateOrganization(ctx context.Context, p mercato.Principal, o mercato.Organization) (mercato.Organization, error)
	UpdateOrganization(ctx context.Context, p mercato.Principal, id int64, u accounts.OrganizationUpdate) (mercato.Organization, error)
	ListTokens(ctx context.Context, p mercato.Principal) ([]mercato.Token, error)
	CreateToken(ctx context.Context, p mercato.Principal, userID int64, name string) (mercato.Token, string, error)
	DeleteToken(ctx context.Context, p mercato.Principal, id int64) error
}

// Outbox is the operator's view of the mail outbox (internal/notify): the
// platform reads every message; everyone else is refused.
type Outbox interface {
	Outbox(ctx context.Context, p mercato.Principal, f mail.Filter) ([]mail.Message, error)
	OutboxMessage(ctx context.Context, p mercato.Principal, id int64) (mail.Message, error)
}

// Payments is the payments service the panel calls (internal/payments):
// a customer saves its payment method on the provider's hosted page.
type Payments interface {
	Enabled() bool
	StartSetup(ctx context.Context, p mercato.Principal, successURL, cancelURL string) (string, error)
}

// Services are what the panel calls: the application services, the
// callers its own front door resolves when it is served alone (tests;
// behind serve's door they are resolved already), and the marketplace's
// clock. internal/app builds them over the store.
type Services struct {
	Orders       Orders
	Lifecycle    Lifecycle
	Billing      Billing
	Provisioning Provisioning
	Usage        Usage
	Catalog      Catalog
	Channel      Channel
	Webhooks     Webhooks
	Messaging    Messaging
	Accounts     Accounts
	Outbox       Outbox
	Payments     Payments // nil: payments through a provider are off
	Coupons      Coupons
	Overview     Overview
	Callers      frontdoor.Callers
	Clock        func() time.Time
}
