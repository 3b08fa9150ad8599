package store

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// A subscription's integration metadata (internal/provisioning decides
// who writes it).

// SubscriptionMetadata returns a subscription's integration metadata; everyone
// who sees the subscription reads it.
func (s *Store) SubscriptionMetadata(ctx context.Context, p mercato.Principal, id int64) (map[string]string, error) {
	v, err := s.visibleSubscription(ctx, s.rd(), p, id)
	if err != nil {
		return nil, err
	}
	return readMetadata(ctx, s.rd(), v.id)
}

func readMetadata(ctx context.Context, db queryer, id int64) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT key, value FROM subscription_metadata WHERE subscription_id = $1 ORDER BY key`, id)
	if err != nil {
		return nil, fmt.Errorf("subscription metadata: %w", err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, val string
		if err := rows.Scan(&k, &val); err != nil {
			return nil, fmt.Errorf("subscription metadata: %w", err)
		}
		m[k] = val
	}
	return m, rows.Err()
}

// SubscriptionParties returns who a subscription visible to p belongs to,
// inside the transaction.
func (tx *Tx) SubscriptionParties(ctx context.Context, p mercato.Principal, id int64) (subscription.Parties, error) {
	v, err := tx.s.visibleSubscription(ctx, tx.t, p, id)
	return subscription.Parties{SubscriptionID: v.id, CustomerID: v.customerID, ProductID: v.productID, VendorID: v.vendorID}, err
}

// ReplaceMetadata replaces a subscription's integration metadata as a
// whole; it records no event.
func (tx *Tx) ReplaceMetadata(ctx context.Context, subID int64, m map[string]string) error {
	if _, err := tx.t.ExecContext(ctx, `DELETE FROM subscription_metadata WHERE subscription_id = $1`, subID); err != nil {
		return fmt.Errorf("subscription metadata: %w", err)
	}
	now := tx.s.now()
	for _, k := range sortedKeys(m) {
		if _, err := tx.t.ExecContext(ctx, `INSERT INTO subscription_metadata (subscription_id, key, value, updated_at) VALUES ($1,$2,$3,$4)`, subID, k, m[k], now); err != nil {
			return fmt.Errorf("subscription metadata: %w", err)
		}
	}
	return nil
}
