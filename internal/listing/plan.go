package listing

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// CreatePlan adds a plan to one of p's products and writes a
// ProductVersion CREATED event. The pricing is validated as a whole before
// anything is read or written.
func (s *Service) CreatePlan(ctx context.Context, p mercato.Principal, plan catalog.Plan) (catalog.Plan, error) {
	if plan.Metadata == nil {
		plan.Metadata = map[string]string{}
	}
	if err := plan.Validate(); err != nil {
		return plan, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		prod, err := tx.Product(ctx, p, plan.ProductID)
		if err != nil {
			return err
		}
		if err := mayChange(p, prod); err != nil {
			return err
		}
		if err := plan.ValidFor(prod); err != nil {
			return err
		}
		if err := tx.InsertPlan(ctx, &plan); err != nil {
			return err
		}
		if err := tx.InsertPlanPrice(ctx, plan.ID, plan.Pricing); err != nil {
			return err
		}
		if err := tx.Audit(ctx, p, "plan.create", "plan", plan.ID, map[string]any{"product_id": plan.ProductID, "name": plan.Name, "pricing": plan.Pricing}); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, subscription.EntityProductVersion, plan.ID, subscription.EventCreated, nil)
	})
	if err != nil {
		return plan, fmt.Errorf("create plan: %w", err)
	}
	return plan, nil
}

// PlanUpdate holds the fields a change of a plan may set; nil ones keep
// their values.
type PlanUpdate struct {
	Name        *string
	Description *string
	Pricing     *pricing.Pricing
	Metadata    *map[string]string
}

// UpdatePlan changes a live plan of one of p's products and writes a
// ProductVersion MODIFIED event. Running subscriptions keep their order's
// price until they renew. A new pricing is recorded in the plan's price
// history, from now.
func (s *Service) UpdatePlan(ctx context.Context, p mercato.Principal, id int64, u PlanUpdate) (catalog.Plan, error) {
	var plan catalog.Plan
	err := s.inTx(ctx, func(tx Tx) error {
		var (
			prod catalog.Product
			err  error
		)
		if plan, prod, err = tx.Plan(ctx, p, id); err != nil {
			return err
		}
		if err := mayChange(p, prod); err != nil {
			return err
		}
		before := plan.Pricing
		mercato.Patch(&plan.Name, u.Name)
		mercato.Patch(&plan.Description, u.Description)
		mercato.Patch(&plan.Pricing, u.Pricing)
		mercato.Patch(&plan.Metadata, u.Metadata)
		if err := plan.Validate(); err != nil {
			return err
		}
		if err := plan.ValidFor(prod); err != nil {
			return err
		}
		if u.Pricing != nil {
			if err := markupsHold(ctx, tx, plan); err != nil {
				return err
			}
		}
		if err := tx.SavePlan(ctx, &plan); err != nil {
			return err
		}
		changed, err := repriced(before, plan.Pricing)
		if err != nil {
			return err
		}
		if changed {
			if err := tx.InsertPlanPrice(ctx, plan.ID, plan.Pricing); err != nil {
				return err
			}
		}
		if err := tx.Audit(ctx, p, "plan.update", "plan", plan.ID, map[string]any{"name": plan.Name, "pricing": plan.Pricing}); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, subscription.EntityProductVersion, plan.ID, subscription.EventModified, nil)
	})
	if err != nil {
		return plan, fmt.Errorf("update plan %d: %w", id, err)
	}
	return plan, nil
}

// DeletePlan retires a live plan of one of p's products: no new orders,
// running subscriptions go on. It writes a ProductVersion DELETED event.
func (s *Service) DeletePlan(ctx context.Context, p mercato.Principal, id int64) error {
	err := s.inTx(ctx, func(tx Tx) error {
		_, prod, err := tx.Plan(ctx, p, id)
		if err != nil {
			return err
		}
		if err := mayChange(p, prod); err != nil {
			return err
		}
		if err := tx.RetirePlan(ctx, id); err != nil {
			return err
		}
		if err := tx.Audit(ctx, p, "plan.delete", "plan", id, nil); err != nil {
			return err
		}
		return tx.RecordEvent(ctx, subscription.EntityProductVersion, id, subscription.EventDeleted, nil)
	})
	if err != nil {
		return fmt.Errorf("delete plan %d: %w", id, err)
	}
	return nil
}

// PlanPrices returns the price history of a plan p sees: each pricing it
// has had, oldest first, with when it took effect.
func (s *Service) PlanPrices(ctx context.Context, p mercato.Principal, id int64) ([]catalog.PriceVersion, error) {
	if _, _, err := s.reads.Plan(ctx, p, id); err != nil {
		return nil, err
	}
	return s.reads.PlanPrices(ctx, id)
}

// repriced reports whether a plan's pricing changed: the same prices
// written again are no new version.
func repriced(before, after pricing.Pricing) (bool, error) {
	b, err := json.Marshal(before.Normalize())
	if err != nil {
		return false, err
	}
	a, err := json.Marshal(after.Normalize())
	if err != nil {
		return false, err
	}
	return !bytes.Equal(a, b), nil
}

// markupsHold refuses a plan's new pricing under which a channel's markup
// would no longer price (a fixed price now below the price its
// organization buys at, a markup that no longer fits the model, a price
// beyond the bounds), naming each such price-list entry (422, nothing
// written). The markup is its organization's decision, so the plan's
// price does not silently reprice it: the organization changes or removes
// its entry first (or the vendor picks a price it still holds over).
func markupsHold(ctx context.Context, tx Tx, plan catalog.Plan) error {
	entries, err := tx.PlanMarkups(ctx, plan.ID)
	if err != nil {
		return err
	}
	var fe mercato.FieldErrors
	for _, m := range entries {
		if err := m.Entry.ValidateFor(plan.Pricing, m.Beneath); err != nil {
			msg := err.Error()
			if fs := mercato.Fields(err); len(fs) > 0 {
				msg = fs[0].Message
			}
			fe.Add("pricing", "the markup of organization %d on this plan (%s %s) would no longer hold: %s; it must be changed or removed first",
				m.Entry.OrganizationID, m.Entry.Markup.Kind, m.Entry.Markup.Value, msg)
		}
	}
	return fe.Err("a price-list entry conflicts with the new pricing")
}
