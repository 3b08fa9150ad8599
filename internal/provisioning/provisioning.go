// Package provisioning holds the rules of a subscription's provisioning
// data: once a subscription is provisioned its provider (the product's
// vendor, or the platform) reports the endpoints the customer uses (one
// APP, https only, replaced as a whole), end-user instructions (replaced as
// a whole) and first-access credentials (merged by key). Nothing is
// accepted once the subscription has ended. Everyone who sees the
// subscription reads endpoints and instructions; credential values only its
// customer and the platform. Every write is a Subscription MODIFIED event
// in the same transaction.
package provisioning

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Reads are what the service reads outside a transaction.
type Reads interface {
	Clock() time.Time
	// SubscriptionParties returns who a subscription visible to p
	// belongs to (not found when p does not see it).
	SubscriptionParties(ctx context.Context, p mercato.Principal, id int64) (subscription.Parties, error)
	ProvisioningData(ctx context.Context, subID int64, reveal bool) (subscription.Provisioning, error)
	// LoadSecrets loads (or the first time generates) the keys that seal
	// credential values; it may write.
	LoadSecrets(ctx context.Context) error
	// SubscriptionMetadata returns the integration metadata of a
	// subscription visible to p.
	SubscriptionMetadata(ctx context.Context, p mercato.Principal, id int64) (map[string]string, error)
}

// Tx is what the service does inside one transaction.
type Tx interface {
	LockSubscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error)
	ProductByID(ctx context.Context, id int64) (catalog.Product, error)
	ReplaceEndpoints(ctx context.Context, subID int64, eps []subscription.Endpoint) error
	ReplaceInstructions(ctx context.Context, subID int64, m map[string]string) error
	PutCredential(ctx context.Context, subID int64, c subscription.Credential, at time.Time) error
	RecordProvisioned(ctx context.Context, p mercato.Principal, sub *subscription.Subscription) error
	// SubscriptionParties returns who a subscription visible to p belongs to.
	SubscriptionParties(ctx context.Context, p mercato.Principal, id int64) (subscription.Parties, error)
	ReplaceMetadata(ctx context.Context, subID int64, m map[string]string) error
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service keeps provisioning data.
type Service struct {
	reads Reads
	inTx  InTx
}

// New returns the service over its repositories.
func New(reads Reads, inTx InTx) *Service { return &Service{reads: reads, inTx: inTx} }

func forbidden(id int64) error {
	return mercato.Errorf(mercato.EFORBIDDEN, "you may not do this to subscription %d", id)
}

// write runs fn in the transaction of a change by the subscription's
// provider or the platform, refusing subscriptions that have ended, and
// records a MODIFIED event.
func (s *Service) write(ctx context.Context, p mercato.Principal, id int64, fn func(tx Tx) error) error {
	err := s.inTx(ctx, func(tx Tx) error {
		sub, err := tx.LockSubscription(ctx, p, id)
		if err != nil {
			return err
		}
		prod, err := tx.ProductByID(ctx, sub.ProductID)
		if err != nil {
			return err
		}
		if !(subscription.Parties{SubscriptionID: sub.ID, CustomerID: sub.CustomerID, ProductID: prod.ID, VendorID: prod.VendorID}).Provides(p) {
			return forbidden(id)
		}
		if sub.Status.Final() {
			return mercato.Errorf(mercato.ECONFLICT, "subscription %d has ended (%s)", sub.ID, sub.Status)
		}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.RecordProvisioned(ctx, p, &sub)
	})
	if err != nil {
		return fmt.Errorf("subscription %d: %w", id, err)
	}
	return nil
}

// SetEndpoints replaces a subscription's endpoints; one must be APP. Posting
// the same list again changes nothing and records no event, so a provider
// may retry safely.
func (s *Service) SetEndpoints(ctx context.Context, p mercato.Principal, id int64, eps []subscription.Endpoint) ([]subscription.Endpoint, error) {
	if err := subscription.ValidateEndpoints(eps); err != nil {
		return nil, err
	}
	if !subscription.HasApp(eps) {
		return nil, mercato.Invalid("invalid endpoints", mercato.FieldError{Path: "endpoints", Message: "an endpoint with category APP is required"})
	}
	// The same link twice keeps its last description, in its first place.
	var out []subscription.Endpoint
	at := map[[2]string]int{}
	for _, e := range eps {
		k := [2]string{string(e.Category), e.Endpoint}
		if i, ok := at[k]; ok {
			out[i] = e
			continue
		}
		at[k] = len(out)
		out = append(out, e)
	}
	if same, err := s.unchanged(ctx, p, id, func(cur subscription.Provisioning) bool { return slices.Equal(cur.Endpoints, out) }); err != nil || same {
		return out, err
	}
	if err := s.write(ctx, p, id, func(tx Tx) error { return tx.ReplaceEndpoints(ctx, id, out) }); err != nil {
		return nil, err
	}
	return out, nil
}

// unchanged reports whether a provider's write would leave the data as it
// is (same reports whether the current data already equals the write), so
// that posting the same endpoints or instructions again changes nothing and
// writes no MODIFIED event: a vendor that provisions on every MODIFIED
// would otherwise loop. The caller must still be the provider (or the
// platform) and the subscription not have ended, as for a write.
func (s *Service) unchanged(ctx context.Context, p mercato.Principal, id int64, same func(subscription.Provisioning) bool) (bool, error) {
	parties, err := s.reads.SubscriptionParties(ctx, p, id)
	if err != nil {
		return false, err
	}
	if !parties.Provides(p) {
		return false, forbidden(id)
	}
	cur, err := s.reads.ProvisioningData(ctx, id, false)
	if err != nil {
		return false, err
	}
	return same(cur), nil
}

// SetInstructions replaces a subscription's end-user instructions.
func (s *Service) SetInstructions(ctx context.Context, p mercato.Principal, id int64, m map[string]string) (map[string]string, error) {
	if err := subscription.ValidateInstructions(m); err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	if same, err := s.unchanged(ctx, p, id, func(cur subscription.Provisioning) bool { return maps.Equal(cur.Instructions, m) }); err != nil || same {
		return m, err
	}
	if err := s.write(ctx, p, id, func(tx Tx) error { return tx.ReplaceInstructions(ctx, id, m) }); err != nil {
		return nil, err
	}
	return m, nil
}

// AddCredentials seals and stores credentials; a key given again replaces
// the earlier credential. The answer leaves out the values: a provider never
// reads them back.
func (s *Service) AddCredentials(ctx context.Context, p mercato.Principal, id int64, cs []subscription.Credential) ([]subscription.Credential, error) {
	if err := subscription.ValidateCredentials(cs); err != nil {
		return nil, err
	}
	// Check before the key is loaded, which may write one: a refused
	// caller must change nothing.
	parties, err := s.reads.SubscriptionParties(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !parties.Provides(p) {
		return nil, forbidden(id)
	}
	if err := s.reads.LoadSecrets(ctx); err != nil {
		return nil, err
	}
	now := s.reads.Clock()
	out := make([]subscription.Credential, 0, len(cs))
	err = s.write(ctx, p, id, func(tx Tx) error {
		for _, c := range cs {
			if err := tx.PutCredential(ctx, id, c, now); err != nil {
				return err
			}
			if c.Description == nil {
				c.Description = map[string]string{}
			}
			c.Value, c.CreatedAt = "", now
			out = append(out, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Provisioning returns the endpoints, instructions and credentials of a
// subscription visible to p; credential values only for its customer and
// the platform.
func (s *Service) Provisioning(ctx context.Context, p mercato.Principal, id int64) (subscription.Provisioning, error) {
	parties, err := s.reads.SubscriptionParties(ctx, p, id)
	if err != nil {
		return subscription.Provisioning{}, err
	}
	return s.reads.ProvisioningData(ctx, id, parties.RevealsCredentials(p))
}

// Credentials returns a subscription's credentials with their values, for
// its customer and the platform; anyone else who sees the subscription is
// refused.
func (s *Service) Credentials(ctx context.Context, p mercato.Principal, id int64) ([]subscription.Credential, error) {
	pr, err := s.Provisioning(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !pr.Revealed {
		return nil, mercato.Errorf(mercato.EFORBIDDEN, "only the customer reads the credentials of subscription %d", id)
	}
	return pr.Credentials, nil
}
