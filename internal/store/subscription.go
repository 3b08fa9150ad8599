package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

const subscriptionColumns = "s.id, s.customer_id, s.reseller_id, s.product_id, s.plan_id, s.type, s.deployment_status, s.paid, s.auto_renew, s.quantity, s.configuration, s.currency, s.start_date, s.end_date, s.created_at, s.updated_at"

func scanSubscription(row scanner) (subscription.Subscription, error) {
	var s subscription.Subscription
	var reseller sql.NullInt64
	err := row.Scan(&s.ID, &s.CustomerID, &reseller, &s.ProductID, &s.PlanID, &s.Type, &s.Status, &s.Paid, &s.AutoRenew, &s.Quantity,
		jsonColumn{&s.Configuration}, &s.Currency, &s.StartDate, &s.EndDate, &s.CreatedAt, &s.UpdatedAt)
	if reseller.Valid {
		s.ResellerID = &reseller.Int64
	}
	s.StartDate, s.EndDate = s.StartDate.UTC(), s.EndDate.UTC()
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	return s, err
}

func (s *Store) insertSubscription(ctx context.Context, tx *txn, sub *subscription.Subscription) error {
	cfg, err := jsonText(sub.Configuration)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO subscriptions (customer_id, reseller_id, product_id, plan_id, type, deployment_status, paid, auto_renew, quantity, configuration, currency, start_date, end_date, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) RETURNING id`,
		sub.CustomerID, sub.ResellerID, sub.ProductID, sub.PlanID, sub.Type, sub.Status, sub.Paid, sub.AutoRenew, sub.Quantity, cfg,
		sub.Currency, sub.StartDate, sub.EndDate, sub.CreatedAt, sub.UpdatedAt).Scan(&sub.ID)
	if err != nil {
		return fmt.Errorf("insert subscription: %w", err)
	}
	return nil
}

func (s *Store) saveSubscription(ctx context.Context, tx *txn, sub *subscription.Subscription) error {
	sub.UpdatedAt = s.now()
	_, err := tx.ExecContext(ctx, `UPDATE subscriptions SET plan_id=$1, type=$2, deployment_status=$3, paid=$4, auto_renew=$5, quantity=$6, end_date=$7, updated_at=$8 WHERE id=$9`,
		sub.PlanID, sub.Type, sub.Status, sub.Paid, sub.AutoRenew, sub.Quantity, sub.EndDate, sub.UpdatedAt, sub.ID)
	if err != nil {
		return fmt.Errorf("save subscription %d: %w", sub.ID, err)
	}
	return nil
}

// SubscriptionFilter narrows a list of subscriptions.
type SubscriptionFilter struct {
	CustomerID int64
	ProductID  int64
	Status     subscription.Status
}

// ListSubscriptions lists the subscriptions visible to p.
func (s *Store) ListSubscriptions(ctx context.Context, p mercato.Principal, f SubscriptionFilter, page Page) ([]subscription.Subscription, int64, error) {
	q := &query{}
	q.add("SELECT " + subscriptionColumns + " FROM subscriptions s WHERE ")
	subscriptionScope(q, p, "s.customer_id", "s.product_id")
	if f.CustomerID != 0 {
		q.add(" AND s.customer_id = %a", f.CustomerID)
	}
	if f.ProductID != 0 {
		q.add(" AND s.product_id = %a", f.ProductID)
	}
	if f.Status != "" {
		q.add(" AND s.deployment_status = %a", string(f.Status))
	}
	return list(ctx, s.rd(), q, "s.id", page, "subscriptions", scanSubscription, func(s subscription.Subscription) int64 { return s.ID })
}

// Subscription returns one subscription visible to p.
func (s *Store) Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.subscription(ctx, s.rd(), p, id)
}

func (s *Store) subscription(ctx context.Context, db queryer, p mercato.Principal, id int64) (subscription.Subscription, error) {
	q := &query{}
	q.add("SELECT "+subscriptionColumns+" FROM subscriptions s WHERE s.id = %a AND ", id)
	subscriptionScope(q, p, "s.customer_id", "s.product_id")
	if s.engine == Postgres {
		// Serialize changes to one subscription across replicas.
		q.add(" FOR UPDATE")
	}
	sub, err := scanSubscription(db.QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return sub, notFoundIfNoRows(err, "subscription", id)
	}
	return sub, nil
}

// Who may do what to a subscription they can see.
type actor int

const (
	actorPlatform actor = 1 << iota
	actorProvider       // the product's vendor (or a connector acting as it)
	actorSeller         // the customer's reseller or distributor
	actorCustomer       // the customer itself
)

var allowed = map[subscription.Action]actor{
	subscription.ActionApprove:         actorPlatform,
	subscription.ActionReject:          actorPlatform,
	subscription.ActionExpirePayment:   actorPlatform,
	subscription.ActionConfigure:       actorPlatform | actorProvider,
	subscription.ActionDeploy:          actorPlatform | actorProvider,
	subscription.ActionFail:            actorPlatform | actorProvider,
	subscription.ActionRetry:           actorPlatform | actorProvider,
	subscription.ActionConfirmUndeploy: actorPlatform | actorProvider,
	subscription.ActionSuspend:         actorPlatform | actorProvider | actorSeller,
	subscription.ActionResume:          actorPlatform | actorProvider | actorSeller,
	subscription.ActionTerminate:       actorPlatform | actorSeller | actorCustomer,
}

// Permissions for the steps outside the state machine.
const (
	mayPay    = actorPlatform | actorSeller
	mayChange = actorPlatform | actorSeller | actorCustomer
	mayRenew  = actorPlatform
)

// actorOf says in which capacity p acts on a subscription it can see.
func actorOf(p mercato.Principal, sub subscription.Subscription, prod catalog.Product) actor {
	var a actor
	switch {
	case p.IsPlatform():
		a |= actorPlatform
	case p.OrgKind == mercato.KindReseller || p.OrgKind == mercato.KindDistributor:
		a |= actorSeller
	}
	if prod.VendorID == p.OrgID {
		a |= actorProvider
	}
	if sub.CustomerID == p.OrgID {
		a |= actorCustomer
	}
	return a
}

// change loads a subscription visible to p inside a transaction, checks
// that p may act in one of the capacities in who, lets fn change it, then
// saves it and records the event fn returns.
func (s *Store) change(ctx context.Context, p mercato.Principal, id int64, who actor, action string, fn func(tx *txn, sub *subscription.Subscription, prod catalog.Product) (string, error)) (subscription.Subscription, error) {
	var sub subscription.Subscription
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		if sub, err = s.subscription(ctx, tx, p, id); err != nil {
			return err
		}
		prod, err := s.productByID(ctx, tx, sub.ProductID)
		if err != nil {
			return err
		}
		if actorOf(p, sub, prod)&who == 0 || !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "you may not do this to subscription %d", id)
		}
		before := sub
		event, err := fn(tx, &sub, prod)
		if err != nil {
			return err
		}
		if err := s.saveSubscription(ctx, tx, &sub); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, p, "subscription."+action, "subscription", sub.ID, subscriptionDiff(before, sub)); err != nil {
			return err
		}
		return s.recordEvent(ctx, tx, subscription.EntitySubscription, sub.ID, event, nil)
	})
	if err != nil {
		return sub, fmt.Errorf("subscription %d: %w", id, err)
	}
	return sub, nil
}

func (s *Store) productByID(ctx context.Context, db queryer, id int64) (catalog.Product, error) {
	p, err := scanProduct(db.QueryRowContext(ctx, "SELECT "+productColumns+" FROM products p WHERE p.id = $1", id))
	if err != nil {
		return p, notFoundIfNoRows(err, "product", id)
	}
	return p, nil
}

// eventFor is the event a move to status to sends: DELETED once a
// subscription is gone, MODIFIED otherwise.
func eventFor(to subscription.Status) string {
	if to == subscription.Undeployed {
		return subscription.EventDeleted
	}
	return subscription.EventModified
}

// Act applies a lifecycle action to a subscription.
func (s *Store) Act(ctx context.Context, p mercato.Principal, id int64, a subscription.Action) (subscription.Subscription, error) {
	who, ok := allowed[a]
	if !ok {
		return subscription.Subscription{}, mercato.Errorf(mercato.EINVALID, "unknown action %q", a)
	}
	return s.change(ctx, p, id, who, string(a), func(_ *txn, sub *subscription.Subscription, _ catalog.Product) (string, error) {
		to, err := subscription.Next(sub.Status, a)
		if err != nil {
			return "", err
		}
		sub.Status = to
		return eventFor(to), nil
	})
}

// SetStatus moves a subscription to a status, as a provider reports it
// (Cloudesire's PATCH {"deploymentStatus": …}), through the action the
// state machine has for that move.
func (s *Store) SetStatus(ctx context.Context, p mercato.Principal, id int64, to subscription.Status) (subscription.Subscription, error) {
	sub, err := s.Subscription(ctx, p, id)
	if err != nil {
		return sub, err
	}
	a, err := subscription.ActionTo(sub.Status, to)
	if err != nil {
		return sub, err
	}
	return s.Act(ctx, p, id, a)
}

// Pay records that a subscription is paid: an order waiting for payment is
// cleared for provisioning, and a trial becomes a normal subscription.
func (s *Store) Pay(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.change(ctx, p, id, mayPay, "pay", func(_ *txn, sub *subscription.Subscription, prod catalog.Product) (string, error) {
		if sub.Paid {
			return "", mercato.Errorf(mercato.ECONFLICT, "subscription %d is already paid", sub.ID)
		}
		if sub.Status.Final() || sub.Status == subscription.UndeploySent {
			return "", mercato.Errorf(mercato.ECONFLICT, "cannot pay a subscription in status %s", sub.Status)
		}
		sub.Paid = true
		if sub.Type == subscription.TypeTrial {
			sub.Type = subscription.TypeNormal
		}
		if sub.Status == subscription.WaitingPayment {
			sub.Status = subscription.Cleared(prod.RequiresApproval)
		}
		return subscription.EventModified, nil
	})
}

// SubscriptionChange holds what a customer may change on a subscription.
type SubscriptionChange struct {
	Quantity  *int64
	PlanID    *int64
	AutoRenew *bool
}

// Change applies a seat, plan or renewal-setting change. Seat and plan
// changes are priced as a CHANGE order: an upgrade is charged now, prorated
// by the hours left in the current period; a downgrade costs nothing now.
func (s *Store) Change(ctx context.Context, p mercato.Principal, id int64, c SubscriptionChange) (subscription.Subscription, error) {
	var fe mercato.FieldErrors
	if c.Quantity != nil && *c.Quantity < 1 {
		fe.Add("quantity", "must be at least 1")
	}
	if err := fe.Err("invalid change"); err != nil {
		return subscription.Subscription{}, err
	}
	return s.change(ctx, p, id, mayChange, "change", func(tx *txn, sub *subscription.Subscription, prod catalog.Product) (string, error) {
		if !subscription.Changeable(sub.Status) {
			return "", mercato.Errorf(mercato.ECONFLICT, "cannot change a subscription in status %s", sub.Status)
		}
		set(&sub.AutoRenew, c.AutoRenew)
		if c.Quantity == nil && c.PlanID == nil {
			return subscription.EventModified, nil
		}
		oldPlan, err := s.planByID(ctx, tx, sub.PlanID)
		if err != nil {
			return "", err
		}
		newPlan := oldPlan
		if c.PlanID != nil && *c.PlanID != sub.PlanID {
			newPlan, _, err = s.plan(ctx, tx, p, *c.PlanID)
			if err != nil || newPlan.ProductID != sub.ProductID {
				return "", mercato.Invalid("invalid change", mercato.FieldError{Path: "plan_id", Message: "no such plan of this product", Value: *c.PlanID})
			}
			if newPlan.Pricing.Currency != oldPlan.Pricing.Currency {
				return "", mercato.Invalid("invalid change", mercato.FieldError{Path: "plan_id", Message: "the new plan is priced in another currency"})
			}
		}
		newQty := sub.Quantity
		set(&newQty, c.Quantity)
		if _, err := newPlan.Pricing.Recurring(newQty); err != nil {
			return "", mercato.Prefixed(err, "")
		}
		period, err := pricing.ParsePeriod(periodOf(oldPlan.Pricing))
		if err != nil {
			return "", err
		}
		now := s.now()
		from, to := currentPeriod(sub.StartDate, period, now)
		charge, err := oldPlan.Pricing.ChangeCharge(sub.Quantity, newQty, &newPlan.Pricing, from, to, now)
		if err != nil {
			return "", mercato.Prefixed(err, "")
		}
		order := subscription.Order{
			Type: subscription.OrderChange, CustomerID: sub.CustomerID, PlanID: newPlan.ID, SubscriptionID: sub.ID,
			Quantity: newQty, Configuration: sub.Configuration, Currency: sub.Currency, Total: charge, CreatedAt: now,
			Lines: []pricing.Line{{
				Description: fmt.Sprintf("Change to %d × %s, prorated %s – %s", newQty, newPlan.Name, now.Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04")),
				Kind:        "recurring", Quantity: pricingOne, UnitAmount: charge, Amount: charge,
			}},
		}
		if err := s.insertOrder(ctx, tx, p, &order); err != nil {
			return "", err
		}
		sub.Quantity, sub.PlanID = newQty, newPlan.ID
		return subscription.EventModified, nil
	})
}

// Renew extends a live subscription by its plan's term.
func (s *Store) Renew(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.change(ctx, p, id, mayRenew, "renew", func(tx *txn, sub *subscription.Subscription, prod catalog.Product) (string, error) {
		if sub.Status != subscription.Deployed && sub.Status != subscription.Stopped {
			return "", mercato.Errorf(mercato.ECONFLICT, "cannot renew a subscription in status %s", sub.Status)
		}
		plan, err := s.planByID(ctx, tx, sub.PlanID)
		if err != nil {
			return "", err
		}
		term, err := termOf(plan.Pricing)
		if err != nil {
			return "", err
		}
		sub.EndDate = term.AddTo(sub.EndDate)
		q, err := s.quote(ctx, tx, p, plan, prod, QuoteRequest{PlanID: plan.ID, Quantity: sub.Quantity, CustomerID: sub.CustomerID, Renewal: true})
		if err != nil {
			return "", mercato.Prefixed(err, "")
		}
		order := subscription.Order{
			Type: subscription.OrderRenewal, CustomerID: sub.CustomerID, PlanID: plan.ID, SubscriptionID: sub.ID,
			Quantity: sub.Quantity, Configuration: sub.Configuration, Currency: q.Currency, Total: q.Total, Lines: q.Lines, CreatedAt: s.now(),
		}
		if err := s.insertOrder(ctx, tx, p, &order); err != nil {
			return "", err
		}
		return subscription.EventModified, nil
	})
}

func (s *Store) planByID(ctx context.Context, db queryer, id int64) (catalog.Plan, error) {
	p, err := scanPlan(db.QueryRowContext(ctx, "SELECT "+planColumns+" FROM plans pl WHERE pl.id = $1", id))
	if err != nil {
		return p, notFoundIfNoRows(err, "plan", id)
	}
	return p, nil
}

func periodOf(p pricing.Pricing) string {
	if p.Period == "" {
		return "P1M"
	}
	return p.Period
}

// subscriptionDiff is what a change did to a subscription, for the audit log.
func subscriptionDiff(before, after subscription.Subscription) map[string]any {
	d := map[string]any{}
	if before.Status != after.Status {
		d["deployment_status"] = []any{before.Status, after.Status}
	}
	if before.Quantity != after.Quantity {
		d["quantity"] = []any{before.Quantity, after.Quantity}
	}
	if before.PlanID != after.PlanID {
		d["plan_id"] = []any{before.PlanID, after.PlanID}
	}
	if before.Paid != after.Paid {
		d["paid"] = []any{before.Paid, after.Paid}
	}
	if before.AutoRenew != after.AutoRenew {
		d["auto_renew"] = []any{before.AutoRenew, after.AutoRenew}
	}
	if !before.EndDate.Equal(after.EndDate) {
		d["end_date"] = []any{before.EndDate, after.EndDate}
	}
	return d
}
