package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

const subscriptionColumns = "s.id, s.customer_id, s.reseller_id, s.product_id, s.plan_id, s.type, s.deployment_status, s.paid, s.auto_renew, s.quantity, s.configuration, s.currency, s.start_date, s.end_date, s.created_at, s.updated_at, s.terminate_at, s.name, s.rejection_reason"

func scanSubscription(row scanner) (subscription.Subscription, error) {
	var s subscription.Subscription
	var reseller sql.NullInt64
	var terminate sql.NullTime
	err := row.Scan(&s.ID, &s.CustomerID, &reseller, &s.ProductID, &s.PlanID, &s.Type, &s.Status, &s.Paid, &s.AutoRenew, &s.Quantity,
		jsonColumn{&s.Configuration}, &s.Currency, &s.StartDate, &s.EndDate, &s.CreatedAt, &s.UpdatedAt, &terminate, &s.Name, &s.RejectionReason)
	if reseller.Valid {
		s.ResellerID = &reseller.Int64
	}
	if terminate.Valid {
		at := terminate.Time.UTC()
		s.TerminateAt = &at
	}
	s.StartDate, s.EndDate = s.StartDate.UTC(), s.EndDate.UTC()
	s.CreatedAt, s.UpdatedAt = s.CreatedAt.UTC(), s.UpdatedAt.UTC()
	maskConfiguration(s.Configuration)
	return s, err
}

func (s *Store) insertSubscription(ctx context.Context, tx *txn, sub *subscription.Subscription) error {
	cfg, err := s.sealConfiguration(ctx, sub.Configuration)
	if err != nil {
		return err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO subscriptions (customer_id, reseller_id, product_id, plan_id, type, deployment_status, paid, auto_renew, quantity, configuration, currency, start_date, end_date, created_at, updated_at, vendor_id, distributor_id)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,
			(SELECT vendor_id FROM products WHERE id = $3),`+distributorOf("$1")+`) RETURNING id`,
		sub.CustomerID, sub.ResellerID, sub.ProductID, sub.PlanID, sub.Type, sub.Status, sub.Paid, sub.AutoRenew, sub.Quantity, cfg,
		sub.Currency, sub.StartDate, sub.EndDate, sub.CreatedAt, sub.UpdatedAt).Scan(&sub.ID)
	if err != nil {
		return fmt.Errorf("insert subscription: %w", err)
	}
	return nil
}

func (s *Store) saveSubscription(ctx context.Context, tx *txn, sub *subscription.Subscription) error {
	sub.UpdatedAt = s.now()
	_, err := tx.ExecContext(ctx, `UPDATE subscriptions SET plan_id=$1, type=$2, deployment_status=$3, paid=$4, auto_renew=$5, quantity=$6, end_date=$7, updated_at=$8, currency=COALESCE(NULLIF($10, ''), currency), name=$11, terminate_at=$12, rejection_reason=$13 WHERE id=$9`,
		sub.PlanID, sub.Type, sub.Status, sub.Paid, sub.AutoRenew, sub.Quantity, sub.EndDate, sub.UpdatedAt, sub.ID, sub.Currency, sub.Name, sub.TerminateAt, sub.RejectionReason)
	if err != nil {
		return fmt.Errorf("save subscription %d: %w", sub.ID, err)
	}
	return nil
}

// SubscriptionFilter narrows a list of subscriptions (subscription.Filter).
type SubscriptionFilter = subscription.Filter

// ListSubscriptions lists the subscriptions visible to p.
func (s *Store) ListSubscriptions(ctx context.Context, p mercato.Principal, f SubscriptionFilter, page Page) ([]subscription.Subscription, int64, error) {
	return list(ctx, s.rd(), subscriptionList(p, f), "s.id", page, "subscriptions", scanSubscription, func(s subscription.Subscription) int64 { return s.ID })
}

// subscriptionList is the query of ListSubscriptions, before its page.
func subscriptionList(p mercato.Principal, f SubscriptionFilter) *query {
	q := &query{}
	q.add("SELECT " + subscriptionColumns + " FROM subscriptions s WHERE ")
	subscriptionScope(q, p, "s")
	if f.CustomerID != 0 {
		q.add(" AND s.customer_id = %a", f.CustomerID)
	}
	if f.ProductID != 0 {
		q.add(" AND s.product_id = %a", f.ProductID)
	}
	if f.Status != "" {
		q.add(" AND s.deployment_status = %a", string(f.Status))
	}
	return q
}

// Subscription returns one subscription visible to p.
func (s *Store) Subscription(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return s.subscription(ctx, s.rd(), p, id, false)
}

// subscription reads one subscription visible to p; lock (inside a
// transaction) locks its row on PostgreSQL until the transaction ends. A
// plain read never locks: outside a transaction FOR UPDATE would only
// write to the WAL for nothing.
func (s *Store) subscription(ctx context.Context, db queryer, p mercato.Principal, id int64, lock bool) (subscription.Subscription, error) {
	q := &query{}
	q.add("SELECT "+subscriptionColumns+" FROM subscriptions s WHERE s.id = %a AND ", id)
	subscriptionScope(q, p, "s")
	if lock && s.engine == Postgres {
		// Serialize changes to one subscription across replicas.
		q.add(" FOR UPDATE")
	}
	sub, err := scanSubscription(db.QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return sub, notFoundIfNoRows(err, "subscription", id)
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

func (s *Store) planByID(ctx context.Context, db queryer, id int64) (catalog.Plan, error) {
	p, err := scanPlan(db.QueryRowContext(ctx, "SELECT "+planColumns+" FROM plans pl WHERE pl.id = $1", id))
	if err != nil {
		return p, notFoundIfNoRows(err, "plan", id)
	}
	return p, nil
}
