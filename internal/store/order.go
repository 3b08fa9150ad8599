package store

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

const orderColumns = "o.id, o.type, o.customer_id, o.plan_id, o.subscription_id, o.quantity, o.configuration, o.currency, o.total, o.lines, o.created_at, o.coupon"

func scanOrder(row scanner) (subscription.Order, error) {
	var o subscription.Order
	err := row.Scan(&o.ID, &o.Type, &o.CustomerID, &o.PlanID, &o.SubscriptionID, &o.Quantity, jsonColumn{&o.Configuration},
		&o.Currency, &o.Total, jsonColumn{&o.Lines}, &o.CreatedAt, &o.Coupon)
	o.CreatedAt = o.CreatedAt.UTC()
	maskConfiguration(o.Configuration)
	return o, err
}

func (s *Store) insertOrder(ctx context.Context, tx *txn, p mercato.Principal, o *subscription.Order) error {
	cfg, err := s.sealConfiguration(ctx, o.Configuration)
	if err != nil {
		return err
	}
	if o.Lines == nil {
		o.Lines = []pricing.Line{}
	}
	lines, err := jsonText(o.Lines)
	if err != nil {
		return err
	}
	var createdBy *int64
	if p.UserID != 0 {
		createdBy = &p.UserID
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO orders (type, customer_id, plan_id, subscription_id, quantity, configuration, currency, total, lines, created_by, created_at, coupon, reseller_id, distributor_id, vendor_id)
		SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12, s.reseller_id, s.distributor_id, s.vendor_id FROM subscriptions s WHERE s.id = $4 RETURNING id`,
		o.Type, o.CustomerID, o.PlanID, o.SubscriptionID, o.Quantity, cfg, o.Currency, o.Total.String(), lines, createdBy, o.CreatedAt, o.Coupon).Scan(&o.ID)
	if err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	return nil
}

// OrderFilter narrows a list of orders (subscription.OrderFilter).
type OrderFilter = subscription.OrderFilter

// ListOrders lists the orders visible to p.
func (s *Store) ListOrders(ctx context.Context, p mercato.Principal, f OrderFilter, page Page) ([]subscription.Order, int64, error) {
	return list(ctx, s.rd(), orderList(p, f), "o.id", page, "orders", scanOrder, func(o subscription.Order) int64 { return o.ID })
}

// orderList is the query of ListOrders, before its page.
func orderList(p mercato.Principal, f OrderFilter) *query {
	q := &query{}
	q.add("SELECT " + orderColumns + " FROM orders o WHERE ")
	subscriptionScope(q, p, "o")
	if f.CustomerID != 0 {
		q.add(" AND o.customer_id = %a", f.CustomerID)
	}
	if f.SubscriptionID != 0 {
		q.add(" AND o.subscription_id = %a", f.SubscriptionID)
	}
	return q
}

// Order returns one order visible to p.
func (s *Store) Order(ctx context.Context, p mercato.Principal, id int64) (subscription.Order, error) {
	q := &query{}
	q.add("SELECT "+orderColumns+" FROM orders o WHERE o.id = %a AND ", id)
	subscriptionScope(q, p, "o")
	o, err := scanOrder(s.rd().QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return o, notFoundIfNoRows(err, "order", id)
	}
	return o, nil
}
