package web

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Orders is the ordering use cases the panel runs (internal/ordering), the
// same as the API's, so both enforce the same rules and bounds.
type Orders interface {
	PlaceOrder(ctx context.Context, p mercato.Principal, r subscription.OrderRequest) (subscription.Order, error)
	Quote(ctx context.Context, p mercato.Principal, r ordering.QuoteRequest) (pricing.Quote, error)
	Change(ctx context.Context, p mercato.Principal, id int64, c subscription.Change) (subscription.Subscription, error)
}

// Lifecycle is the subscription lifecycle use cases the panel runs
// (internal/lifecycle).
type Lifecycle interface {
	Act(ctx context.Context, p mercato.Principal, id int64, a subscription.Action) (subscription.Subscription, error)
	Renew(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
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
		s.orders = ordering.New(s.store)
	}
	if s.lifecycle == nil {
		s.lifecycle = lifecycle.New(s.store)
	}
}

// Billing is the billing service the panel calls (internal/billingrun).
type Billing interface {
	RunBilling(ctx context.Context, p mercato.Principal, opts billingrun.Options) (billing.Run, error)
	RenewalOffer(ctx context.Context, p mercato.Principal, id int64) (billing.Offer, error)
	ListBillingRuns(ctx context.Context, p mercato.Principal, limit int) ([]billing.Run, error)
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
	accounts     Accounts
}

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
	if sv.accounts == nil {
		sv.accounts = accounts.New(st, store.TxFunc[accounts.Tx](st))
	}
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
	CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error)
	DeleteSession(ctx context.Context, secret string) error
	CreatePasswordReset(ctx context.Context, email string, ttl time.Duration) (string, mercato.User, error)
	ResetPassword(ctx context.Context, secret, password string) error
}

// WithAccounts sets the accounts service (default: internal/accounts over
// the store).
func WithAccounts(a Accounts) Option { return func(s *Server) { s.services.accounts = a } }
