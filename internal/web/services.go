package web

import (
	"context"

	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
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
