package ordering

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/charging"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Change applies a seat, plan or renewal-setting change. Seat and plan
// changes are priced as a CHANGE order through the channel: an upgrade is
// charged now, the difference of a period's price prorated by the hours
// left of what is already charged; a downgrade costs nothing and takes
// effect when the period charged ends (the subscription keeps its plan and
// quantity until then, its schedule the change: ScheduledChange), unless
// cancelled. Both the order and its charges are written in the change's
// transaction.
func (s *Service) Change(ctx context.Context, p mercato.Principal, id int64, c subscription.Change) (subscription.Subscription, error) {
	if err := c.Validate(); err != nil {
		return subscription.Subscription{}, err
	}
	var sub subscription.Subscription
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		sub, err = lifecycle.Update(ctx, tx, p, id, lifecycle.MayChange, "change", func(sub *subscription.Subscription, prod catalog.Product) (string, error) {
			return subscription.EventModified, change(ctx, tx, p, sub, prod, c)
		})
		return err
	})
	if err != nil {
		return sub, fmt.Errorf("subscription %d: %w", id, err)
	}
	return sub, nil
}

func change(ctx context.Context, tx Tx, p mercato.Principal, sub *subscription.Subscription, prod catalog.Product, c subscription.Change) error {
	if !subscription.Changeable(sub.Status) {
		return mercato.Errorf(mercato.ECONFLICT, "cannot change a subscription in status %s", sub.Status)
	}
	if c.AutoRenew != nil {
		sub.AutoRenew = *c.AutoRenew
	}
	if c.Quantity == nil && c.PlanID == nil {
		return nil
	}
	pr := billing.NewPricer()
	sc, err := tx.ChargeSchedule(ctx, sub.ID)
	if err != nil {
		return err
	}
	if _, err := charging.Apply(pr, sub, sc, tx.Now()); err != nil {
		return err
	}
	oldPlan, err := tx.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return err
	}
	// A commitment holds its seats and plan for the term: fewer seats or a
	// cheaper plan only within the cancellation window, or scheduled for
	// the renewal (at_renewal), when the term ends.
	cm, err := charging.CommitmentAt(ctx, tx, pr, *sub, oldPlan.Pricing, tx.Now())
	if err != nil {
		return err
	}
	held := cm.Committed && !cm.InWindow && !c.AtRenewal
	if held && c.Quantity != nil && *c.Quantity < sub.Quantity {
		return mercato.Invalid("invalid change", mercato.FieldError{Path: "quantity", Value: *c.Quantity,
			Message: fmt.Sprintf("the subscription is committed to %d until %s: seats decrease only within the cancellation window of a term (it ended %s), or at the renewal (at_renewal)",
				sub.Quantity, cm.TermEnd.Format(time.DateOnly), cm.WindowEnd.Format(time.DateOnly))})
	}
	var at time.Time // when a change scheduled for renewal takes effect
	if c.AtRenewal {
		at = sub.EndDate
		if cm.Committed {
			at = cm.TermEnd
		}
		if at.IsZero() || !at.After(tx.Now()) {
			return mercato.Invalid("invalid change", mercato.FieldError{Path: "at_renewal", Value: true, Message: "the subscription has no renewal ahead to schedule the change for"})
		}
	}
	newPlan := oldPlan
	if c.PlanID != nil && *c.PlanID != sub.PlanID {
		newPlan, _, err = tx.Plan(ctx, p, *c.PlanID)
		if err != nil || newPlan.ProductID != sub.ProductID {
			return mercato.Invalid("invalid change", mercato.FieldError{Path: "plan_id", Message: "no such plan of this product", Value: *c.PlanID})
		}
		// A new plan is a new sale: its customer's reseller must sell it
		// (catalog.Curation); the plan the subscription has keeps running.
		if cur, err := tx.CurationFor(ctx, 0, sub.CustomerID); err != nil {
			return err
		} else if !cur.Sells(newPlan) {
			return catalog.NotSold(newPlan.ID)
		}
		if newPlan.Pricing.Currency != oldPlan.Pricing.Currency {
			return mercato.Invalid("invalid change", mercato.FieldError{Path: "plan_id", Message: "the new plan is priced in another currency"})
		}
		oldPeriod, _, _ := oldPlan.Pricing.Periods()
		newPeriod, _, _ := newPlan.Pricing.Periods()
		if oldPeriod != newPeriod {
			// A difference of a yearly and a monthly price is not a price
			// for the rest of this period.
			return mercato.Invalid("invalid change", mercato.FieldError{Path: "plan_id", Message: fmt.Sprintf("the new plan is billed every %s, not %s", newPeriod, oldPeriod)})
		}
	}
	newQty := sub.Quantity
	if c.Quantity != nil {
		newQty = *c.Quantity
	}
	if _, err := newPlan.Pricing.Recurring(newQty); err != nil {
		return mercato.Prefixed(err, "")
	}
	before, err := version(ctx, tx, oldPlan, sub.Quantity, prod, sub.CustomerID)
	if err != nil {
		return err
	}
	after, err := version(ctx, tx, newPlan, newQty, prod, sub.CustomerID)
	if err != nil {
		return err
	}
	if held {
		bq, err := pr.Quote(before, false)
		if err != nil {
			return err
		}
		aq, err := pr.Quote(after, false)
		if err != nil {
			return err
		}
		if aq.Total.LessThan(bq.Total) {
			return mercato.Invalid("invalid change", mercato.FieldError{Path: "plan_id", Value: newPlan.ID,
				Message: fmt.Sprintf("the subscription is committed to its plan until %s: a cheaper plan only within the cancellation window of a term (it ended %s), or at the renewal (at_renewal)",
					cm.TermEnd.Format(time.DateOnly), cm.WindowEnd.Format(time.DateOnly))})
		}
	}
	sale, err := charging.Change(ctx, tx, pr, *sub, before, after, at)
	if err != nil {
		return mercato.Prefixed(err, "")
	}
	now := tx.Now()
	order := subscription.Order{
		Type: subscription.OrderChange, CustomerID: sub.CustomerID, PlanID: newPlan.ID, SubscriptionID: sub.ID,
		Quantity: newQty, Configuration: sub.Configuration, Currency: after.Currency(), Total: sale.Total(), CreatedAt: now,
	}
	for _, ch := range sale.Changes {
		for _, l := range ch.Lines {
			if l.Kind != billing.KindDiscount {
				l.Kind = pricing.KindRecurring // an order's lines are of the plan's kinds, and a coupon's discount
			}
			order.Lines = append(order.Lines, l)
		}
	}
	if len(order.Lines) == 0 {
		desc := fmt.Sprintf("Change to %d × %s: no charge now", newQty, newPlan.Name)
		switch {
		case c.AtRenewal:
			desc = fmt.Sprintf("Change to %d × %s from %s, at the renewal: no charge now", newQty, newPlan.Name, sale.Scheduled.Format(time.DateOnly))
		case !sale.Scheduled.IsZero():
			desc = fmt.Sprintf("Change to %d × %s from %s, when the period charged ends: no charge now", newQty, newPlan.Name, sale.Scheduled.Format(time.DateOnly))
		}
		order.Lines = []pricing.Line{{Description: desc, Kind: pricing.KindRecurring, Quantity: decimal.NewFromInt(1)}}
	}
	if err := tx.InsertOrder(ctx, p, &order); err != nil {
		return err
	}
	if err := sale.Write(ctx, tx, order.ID); err != nil {
		return err
	}
	if sale.Scheduled.IsZero() {
		sub.Quantity, sub.PlanID = newQty, newPlan.ID
	}
	return nil
}

// version is what qty units of plan cost the customer now, through its
// channel, in its currency.
func version(ctx context.Context, tx Tx, plan catalog.Plan, qty int64, prod catalog.Product, customerID int64) (billing.Version, error) {
	prices, err := tx.ChannelPrices(ctx, plan.ID, prod.VendorID, 0, customerID)
	if err != nil {
		return billing.Version{}, err
	}
	v, err := billing.NewVersion(plan.ID, plan.Name, qty, plan.Pricing, prod.VendorID, prices)
	if err != nil {
		return v, mercato.Prefixed(err, "")
	}
	return charging.InCurrency(ctx, tx, v, customerID, tx.Now())
}
