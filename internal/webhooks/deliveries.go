package webhooks

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
)

// Replay makes deliveries to an endpoint p may change due again: one event,
// or every event sent to it in a time range. Deliveries keep their
// webhook-id, so receivers can drop what they had; events the endpoint
// never had are not created anew, and replaying one of those is not found.
// It returns how many deliveries were made due.
func (s *Service) Replay(ctx context.Context, p mercato.Principal, endpointID int64, r syndication.Replay) (int64, error) {
	if err := r.Validate(); err != nil {
		return 0, err
	}
	if err := s.reads.LoadSecrets(ctx); err != nil {
		return 0, err
	}
	var n int64
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.Endpoint(ctx, p, endpointID); err != nil {
			return err
		}
		if err := mayWrite(p); err != nil {
			return err
		}
		var err error
		n, err = tx.ReplayDeliveries(ctx, endpointID, r)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	if n == 0 && r.EventID != 0 {
		return 0, mercato.Errorf(mercato.ENOTFOUND, "event %d was never sent to endpoint %d", r.EventID, endpointID)
	}
	return n, nil
}

// ListAttempts lists the delivery log of the endpoints p sees, newest
// first; of one endpoint, which must then be one p sees (else not found,
// rather than an empty log).
func (s *Service) ListAttempts(ctx context.Context, p mercato.Principal, f AttemptFilter, page mercato.Page) ([]syndication.Attempt, int64, error) {
	if f.EndpointID != 0 {
		if _, err := s.reads.Endpoint(ctx, p, f.EndpointID); err != nil {
			return nil, 0, err
		}
	}
	return s.reads.ListAttempts(ctx, p, f, page)
}

// ListEvents lists lifecycle events in the order they happened: the
// platform sees all, others the events of the subscriptions they see.
func (s *Service) ListEvents(ctx context.Context, p mercato.Principal, f EventFilter, page mercato.Page) ([]subscription.Event, int64, error) {
	return s.reads.ListEvents(ctx, p, f, page)
}

// DeliveryCounts reports how many deliveries are pending and delivered,
// across every tenant: only the platform reads them.
func (s *Service) DeliveryCounts(ctx context.Context, p mercato.Principal) (pending, delivered int64, err error) {
	if !p.IsPlatform() {
		return 0, 0, mercato.Errorf(mercato.EFORBIDDEN, "delivery counts are the platform's")
	}
	return s.reads.DeliveryCounts(ctx)
}
