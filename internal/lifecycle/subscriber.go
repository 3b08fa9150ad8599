package lifecycle

import (
	"context"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Subscribers read the parties of subscriptions: besides what the store's
// visibility rules show the caller, a vendor sees the organizations
// subscribed to its products, which its integration looks up from a
// subscription's references (their users: accounts.SubscriberUser).
type Subscribers interface {
	// SubscriberOrganization returns an organization p sees, or, for a
	// vendor, a customer of one of its products.
	SubscriberOrganization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
}

// SubscriberOrganization returns an organization p sees, or, for a vendor,
// the customer of a subscription to one of its products.
func (s *Service) SubscriberOrganization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error) {
	return s.reads.SubscriberOrganization(ctx, p, id)
}
