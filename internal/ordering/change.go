package ordering

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Change applies a seat, plan or renewal-setting change. Seat and plan
// changes are priced as a CHANGE order: an upgrade is charged now, prorated
// by the hours left in the current period; a downgrade costs nothing now.
func (s *Service) Change(ctx context.Context, p mercato.Principal, id int64, c subscription.Change) (subscription.Subscription, error) {
	if err := c.Validate(); err != nil {
		return subscription.Subscription{}, err
	}
	var sub subscription.Subscription
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		sub, err = lifecycle.Update(ctx, tx, p, id, lifecycle.MayChange, "change", func(sub *subscription.Subscription, _ catalog.Product) (string, error) {
			return subscription.EventModified, change(ctx, tx, p, sub, c)
		})
		return err
	})
	if err != nil {
		return sub, fmt.Errorf("subscription %d: %w", id, err)
	}
	return sub, nil
}

func change(ctx context.Context, tx Tx, p mercato.Principal, sub *subscription.Subscription, c subscription.Change) error {
	if !subscription.Changeable(sub.Status) {
		return mercato.Errorf(mercato.ECONFLICT, "cannot change a subscription in status %s", sub.Status)
	}
	if c.AutoRenew != nil {
		sub.AutoRenew = *c.AutoRenew
	}
	if c.Quantity == nil && c.PlanID == nil {
		return nil
	}
	oldPlan, err := tx.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return err
	}
	newPlan := oldPlan
	if c.PlanID != nil && *c.PlanID != sub.PlanID {
		newPlan, _, err = tx.Plan(ctx, p, *c.PlanID)
		if err != nil || newPlan.ProductID != sub.ProductID {
			return mercato.Invalid("invalid change", mercato.FieldError{Path: "plan_id", Message: "no such plan of this product", Value: *c.PlanID})
		}
		if newPlan.Pricing.Currency != oldPlan.Pricing.Currency {
			return mercato.Invalid("invalid change", mercato.FieldError{Path: "plan_id", Message: "the new plan is priced in another currency"})
		}
	}
	newQty := sub.Quantity
	if c.Quantity != nil {
		newQty = *c.Quantity
	}
	if _, err := newPlan.Pricing.Recurring(newQty); err != nil {
		return mercato.Prefixed(err, "")
	}
	period, err := pricing.ParsePeriod(periodOf(oldPlan.Pricing))
	if err != nil {
		return err
	}
	now := tx.Now()
	from, to := currentPeriod(sub.StartDate, period, now)
	charge, err := oldPlan.Pricing.ChangeCharge(sub.Quantity, newQty, &newPlan.Pricing, from, to, now)
	if err != nil {
		return mercato.Prefixed(err, "")
	}
	order := subscription.Order{
		Type: subscription.OrderChange, CustomerID: sub.CustomerID, PlanID: newPlan.ID, SubscriptionID: sub.ID,
		Quantity: newQty, Configuration: sub.Configuration, Currency: sub.Currency, Total: charge, CreatedAt: now,
		Lines: []pricing.Line{{
			Description: fmt.Sprintf("Change to %d × %s, prorated %s – %s", newQty, newPlan.Name, now.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04")),
			Kind:        "recurring", Quantity: decimal.NewFromInt(1), UnitAmount: charge, Amount: charge,
		}},
	}
	if err := tx.InsertOrder(ctx, p, &order); err != nil {
		return err
	}
	sub.Quantity, sub.PlanID = newQty, newPlan.ID
	return nil
}

// periodOf is a plan's billing period, a month when it names none.
func periodOf(p pricing.Pricing) string {
	if p.Period == "" {
		return "P1M"
	}
	return p.Period
}

// currentPeriod returns the billing period of a subscription that holds
// the instant at, stepping from its start date.
func currentPeriod(start time.Time, period pricing.Period, at time.Time) (time.Time, time.Time) {
	from := start
	to := period.AddTo(from)
	for i := 0; i < 10000 && !to.After(at); i++ {
		from, to = to, period.AddTo(to)
	}
	return from, to
}
