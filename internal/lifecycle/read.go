package lifecycle

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The reads of subscriptions: who sees which is the store's visibility
// rule (the customer, its channel, the product's vendor, the platform).

// Subscription returns a subscription p sees.
func (s *Service) Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.reads.Subscription(ctx, p, id)
}

// ListSubscriptions lists the subscriptions p sees.
func (s *Service) ListSubscriptions(ctx context.Context, p mercato.Principal, f subscription.Filter, page mercato.Page) ([]subscription.Subscription, int64, error) {
	return s.reads.ListSubscriptions(ctx, p, f, page)
}

// SubscriptionDetail returns a subscription p sees with its product, plan,
// buyer and provisioning data.
func (s *Service) SubscriptionDetail(ctx context.Context, p mercato.Principal, id int64) (subscription.Detail, error) {
	return s.reads.SubscriptionDetail(ctx, p, id)
}

// SubscriptionPage lists one numbered page of the subscriptions p sees,
// with the total; with expiringBefore set, only live ones ending before
// it, soonest first.
func (s *Service) SubscriptionPage(ctx context.Context, p mercato.Principal, f subscription.Filter, expiringBefore time.Time, pg mercato.NumberedPage) ([]subscription.Subscription, int, error) {
	return s.reads.SubscriptionPage(ctx, p, f, expiringBefore, pg)
}
