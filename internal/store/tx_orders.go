package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The repository of orders and subscriptions for the ordering and
// lifecycle services (internal/ordering, internal/lifecycle): plain reads
// and writes inside the caller's transaction. Reads on a caller's behalf
// apply the visibility rules of scope.go; which role may do what, and
// every decision of the use case, is the services'.

// Organization returns an organization visible to p.
func (tx *Tx) Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error) {
	return tx.s.organization(ctx, tx.t, p, id)
}

// Plan returns a live plan whose product is visible to p, with its product.
func (tx *Tx) Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error) {
	return tx.s.plan(ctx, tx.t, p, id)
}

// PlanByID returns a plan (live or retired) without visibility rules, for a
// subscription already read in scope.
func (tx *Tx) PlanByID(ctx context.Context, id int64) (catalog.Plan, error) {
	return tx.s.planByID(ctx, tx.t, id)
}

// ProductByID returns a product without visibility rules, for a
// subscription already read in scope.
func (tx *Tx) ProductByID(ctx context.Context, id int64) (catalog.Product, error) {
	return tx.s.productByID(ctx, tx.t, id)
}

// ChannelPrices reads the vendor's fee and the parties of the channel
// above a reseller (given, or the customer's) with their price lists'
// entries for a plan.
func (tx *Tx) ChannelPrices(ctx context.Context, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error) {
	return tx.s.channelPrices(ctx, tx.t, planID, vendorID, resellerID, customerID)
}

// ChannelPrices is Tx.ChannelPrices outside a transaction (quotes).
func (s *Store) ChannelPrices(ctx context.Context, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error) {
	return s.channelPrices(ctx, s.rd(), planID, vendorID, resellerID, customerID)
}

// SubscriptionForUpdate reads a subscription visible to p and, on
// PostgreSQL, locks it until the transaction ends, so changes to one
// subscription are serialized across replicas.
func (tx *Tx) SubscriptionForUpdate(ctx context.Context, p mercato.Principal, id int64) (subscription.Subscription, error) {
	return tx.s.subscription(ctx, tx.t, p, id, true)
}

// InsertSubscription writes a new subscription and sets its id.
func (tx *Tx) InsertSubscription(ctx context.Context, sub *subscription.Subscription) error {
	return tx.s.insertSubscription(ctx, tx.t, sub)
}

// SaveSubscription writes a subscription's changeable fields and stamps
// its UpdatedAt.
func (tx *Tx) SaveSubscription(ctx context.Context, sub *subscription.Subscription) error {
	return tx.s.saveSubscription(ctx, tx.t, sub)
}

// InsertOrder writes an order placed by p and sets its id.
func (tx *Tx) InsertOrder(ctx context.Context, p mercato.Principal, o *subscription.Order) error {
	return tx.s.insertOrder(ctx, tx.t, p, o)
}

// OrderByID reads an order without visibility rules (an idempotent replay
// of the caller's own earlier order).
func (tx *Tx) OrderByID(ctx context.Context, id int64) (subscription.Order, error) {
	o, err := scanOrder(tx.t.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM orders o WHERE o.id = $1", id))
	if err != nil {
		return o, notFoundIfNoRows(err, "order", id)
	}
	return o, nil
}

// IdempotencyKey reads what an organization stored under an
// Idempotency-Key: the hash of the request and the response it answered.
func (tx *Tx) IdempotencyKey(ctx context.Context, orgID int64, key string) (requestHash, response string, found bool, err error) {
	err = tx.t.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE organization_id = $1 AND key = $2`, orgID, key).
		Scan(&requestHash, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("idempotency key: %w", err)
	}
	return requestHash, response, true, nil
}

// PutIdempotencyKey stores an organization's Idempotency-Key with its
// request hash and response; it reports false when the key is already
// taken (a concurrent request with the same key).
func (tx *Tx) PutIdempotencyKey(ctx context.Context, orgID int64, key, requestHash, response string) (bool, error) {
	_, err := tx.t.ExecContext(ctx, `INSERT INTO idempotency_keys (organization_id, key, request_hash, response, created_at) VALUES ($1,$2,$3,$4,$5)`,
		orgID, key, requestHash, response, tx.s.now())
	if isUniqueViolation(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store idempotency key: %w", err)
	}
	return true, nil
}

// Audit writes an audit entry for a change p made, in its transaction.
func (tx *Tx) Audit(ctx context.Context, p mercato.Principal, action, entity string, id int64, details map[string]any) error {
	return tx.s.audit(ctx, tx.t, p, action, entity, id, details)
}

// RecordEvent writes a lifecycle event and its webhook deliveries to the
// outbox in the transaction.
func (tx *Tx) RecordEvent(ctx context.Context, entity string, id int64, typ string, metadata map[string]string) error {
	return tx.s.recordEvent(ctx, tx.t, entity, id, typ, metadata)
}
