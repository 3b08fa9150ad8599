package lifecycle

import (
	"context"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Acknowledgements are what ConfirmAcknowledged reads.
type Acknowledgements interface {
	// AcknowledgedUndeploys returns, of the subscriptions ids (every one
	// when ids is empty), those in UNDEPLOY_SENT whose DELETED event an
	// endpoint of the product's vendor answered with a 2xx.
	AcknowledgedUndeploys(ctx context.Context, ids []int64) ([]int64, error)
	// SystemPrincipal is the platform acting on its own.
	SystemPrincipal(ctx context.Context) (mercato.Principal, error)
}

// ConfirmAcknowledged ends the terminated subscriptions (of ids, or all
// when ids is empty) whose vendor acknowledged DELETED with a 2xx answer,
// as a vendor written against Cloudesire's templates does instead of
// reporting UNDEPLOYED: each SaaS subscription moves to UNDEPLOYED (audited as the
// platform's, no further event; see subscription.Events). Those already
// reported UNDEPLOYED are left as they are. The dispatcher calls it when
// it records such an answer; serve also runs it now and then, so an
// answer recorded just before a crash still ends its subscription. It
// returns how many it ended.
func (s *Service) ConfirmAcknowledged(ctx context.Context, ids []int64) (int, error) {
	acked, err := s.acks.AcknowledgedUndeploys(ctx, ids)
	if err != nil || len(acked) == 0 {
		return 0, err
	}
	sys, err := s.acks.SystemPrincipal(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range acked {
		err := s.inTx(ctx, func(tx Tx) error {
			sub, err := tx.SubscriptionForUpdate(ctx, sys, id)
			if err != nil {
				return err
			}
			if sub.Status != subscription.UndeploySent {
				return errNothingToDo // reported UNDEPLOYED meanwhile
			}
			prod, err := tx.ProductByID(ctx, sub.ProductID)
			if err != nil {
				return err
			}
			if prod.Type != catalog.TypeSaaS {
				// Mercato's own connectors (Microsoft, Azure) deprovision
				// after they answer and report UNDEPLOYED when done.
				return errNothingToDo
			}
			_, err = apply(ctx, tx, sys, sub, allowed[subscription.ActionConfirmUndeploy], "acknowledged_deleted", move(subscription.ActionConfirmUndeploy))
			return err
		})
		switch {
		case errors.Is(err, errNothingToDo):
		case err != nil:
			return n, fmt.Errorf("subscription %d: %w", id, err)
		default:
			n++
		}
	}
	return n, nil
}

// Delivered is the dispatcher's report of events delivered (answered
// 2xx): a subscription's DELETED among them may end it.
func (s *Service) Delivered(ctx context.Context, events []subscription.Event) error {
	var ids []int64
	for _, e := range events {
		if e.Entity == subscription.EntitySubscription && e.Type == subscription.EventDeleted {
			ids = append(ids, e.EntityID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	_, err := s.ConfirmAcknowledged(ctx, ids)
	return err
}

// errNothingToDo rolls back a transaction that found nothing to change.
var errNothingToDo = errors.New("nothing to do")
