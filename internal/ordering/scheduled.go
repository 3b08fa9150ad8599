package ordering

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// ScheduledChange returns the downgrade scheduled on a subscription p sees
// and not yet in effect, or nil.
func (s *Service) ScheduledChange(ctx context.Context, p mercato.Principal, id int64) (*subscription.ScheduledChange, error) {
	var out *subscription.ScheduledChange
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := tx.SubscriptionForUpdate(ctx, p, id); err != nil {
			return err
		}
		sc, err := tx.ChargeSchedule(ctx, id)
		if err != nil {
			return err
		}
		out, err = scheduledOf(sc, tx.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("subscription %d: %w", id, err)
	}
	return out, nil
}

// CancelScheduledChange cancels the downgrade scheduled on a subscription
// before it takes effect, so that its plan and quantity go on as they are;
// whoever may change the subscription may. None scheduled is not found;
// one in effect already (its period began) is a conflict.
func (s *Service) CancelScheduledChange(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	var sub subscription.Subscription
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		sub, err = lifecycle.Update(ctx, tx, p, id, lifecycle.MayChange, "cancel_change", func(sub *subscription.Subscription, _ catalog.Product) (string, error) {
			sc, err := tx.ChargeSchedule(ctx, sub.ID)
			if err != nil {
				return "", err
			}
			if sc.Scheduled == "" {
				return "", mercato.NotFound("scheduled change of subscription", strconv.FormatInt(sub.ID, 10))
			}
			if !sc.ScheduledFrom.After(tx.Now()) {
				return "", mercato.Errorf(mercato.ECONFLICT, "the scheduled change took effect on %s", sc.ScheduledFrom.Format(time.DateOnly))
			}
			sc.Scheduled, sc.ScheduledFrom = "", time.Time{}
			return subscription.EventModified, tx.SaveChargeSchedule(ctx, sc)
		})
		return err
	})
	if err != nil {
		return sub, fmt.Errorf("subscription %d: %w", id, err)
	}
	return sub, nil
}

// scheduledOf is the downgrade a schedule holds that is not in effect at
// now, or nil.
func scheduledOf(sc billing.Schedule, now time.Time) (*subscription.ScheduledChange, error) {
	if sc.Scheduled == "" || !sc.ScheduledFrom.After(now) {
		return nil, nil
	}
	v, err := billing.NewPricer().Version(sc.Scheduled)
	if err != nil {
		return nil, err
	}
	return &subscription.ScheduledChange{PlanID: v.PlanID, Quantity: v.Quantity, From: sc.ScheduledFrom}, nil
}
