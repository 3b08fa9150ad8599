package store

import (
	"context"
	"fmt"
	"regexp"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Limits of a subscription's integration metadata.
const (
	maxMetadataKeys  = 50
	maxMetadataValue = 4096
)

var metadataKeyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$`)

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

// SetSubscriptionMetadata replaces a subscription's integration metadata as a
// whole. Only its provider (the product's vendor) and the platform write it;
// it is bookkeeping of the integration, so it records no lifecycle event
// (a connector writing it is not notified of its own write).
func (s *Store) SetSubscriptionMetadata(ctx context.Context, p mercato.Principal, id int64, m map[string]string) (map[string]string, error) {
	if len(m) > maxMetadataKeys {
		return nil, mercato.Invalid("invalid metadata", mercato.FieldError{Path: "metadata", Message: fmt.Sprintf("at most %d keys", maxMetadataKeys)})
	}
	for _, k := range sortedKeys(m) {
		if !metadataKeyRE.MatchString(k) {
			return nil, mercato.Invalid("invalid metadata", mercato.FieldError{Path: "metadata." + k, Message: "keys are 1 to 100 letters, digits, _ . : -, starting with a letter or digit"})
		}
		if len(m[k]) > maxMetadataValue {
			return nil, mercato.Invalid("invalid metadata", mercato.FieldError{Path: "metadata." + k, Message: fmt.Sprintf("at most %d bytes", maxMetadataValue)})
		}
	}
	err := s.tx(ctx, func(tx *txn) error {
		v, err := s.visibleSubscription(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if !p.IsPlatform() && !(p.OrgKind == mercato.KindVendor && p.OrgID == v.vendorID) {
			return mercato.Errorf(mercato.EFORBIDDEN, "only the subscription's provider or the platform sets its metadata")
		}
		if !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "your role only reads")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM subscription_metadata WHERE subscription_id = $1`, id); err != nil {
			return fmt.Errorf("subscription metadata: %w", err)
		}
		now := s.now()
		for _, k := range sortedKeys(m) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO subscription_metadata (subscription_id, key, value, updated_at) VALUES ($1,$2,$3,$4)`, id, k, m[k], now); err != nil {
				return fmt.Errorf("subscription metadata: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = map[string]string{}
	}
	return m, nil
}
