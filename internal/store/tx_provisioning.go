package store

import (
	"context"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The writes of provisioning data (internal/provisioning decides who may
// write what).

// ReplaceEndpoints replaces a subscription's endpoints, in order.
func (tx *Tx) ReplaceEndpoints(ctx context.Context, subID int64, eps []subscription.Endpoint) error {
	if _, err := tx.t.ExecContext(ctx, `DELETE FROM subscription_endpoints WHERE subscription_id = $1`, subID); err != nil {
		return fmt.Errorf("delete endpoints: %w", err)
	}
	for _, e := range eps {
		if _, err := tx.t.ExecContext(ctx, `INSERT INTO subscription_endpoints (subscription_id, endpoint, description, category) VALUES ($1,$2,$3,$4)`,
			subID, e.Endpoint, e.Description, string(e.Category)); err != nil {
			return fmt.Errorf("insert endpoint: %w", err)
		}
	}
	return nil
}

// ReplaceInstructions replaces a subscription's end-user instructions.
func (tx *Tx) ReplaceInstructions(ctx context.Context, subID int64, m map[string]string) error {
	if _, err := tx.t.ExecContext(ctx, `DELETE FROM subscription_instructions WHERE subscription_id = $1`, subID); err != nil {
		return fmt.Errorf("delete instructions: %w", err)
	}
	for _, lang := range sortedKeys(m) {
		if _, err := tx.t.ExecContext(ctx, `INSERT INTO subscription_instructions (subscription_id, lang, text) VALUES ($1,$2,$3)`, subID, lang, m[lang]); err != nil {
			return fmt.Errorf("insert instructions: %w", err)
		}
	}
	return nil
}

// PutCredential seals a credential's value (bound to the subscription and
// key) and stores it, replacing the credential of the same key. The keys
// must be loaded before the transaction ([Store.LoadSecrets]).
func (tx *Tx) PutCredential(ctx context.Context, subID int64, c subscription.Credential, at time.Time) error {
	ring, err := tx.s.keyring(ctx)
	if err != nil {
		return err
	}
	keyID, sealed := ring.Seal([]byte(c.Value), credentialContext(subID, c.Key))
	if c.Description == nil {
		c.Description = map[string]string{}
	}
	desc, err := jsonText(c.Description)
	if err != nil {
		return err
	}
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO subscription_credentials (subscription_id, key, key_id, value_sealed, description, weight, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (subscription_id, key) DO UPDATE SET key_id = excluded.key_id, value_sealed = excluded.value_sealed,
		description = excluded.description, weight = excluded.weight, created_at = excluded.created_at`,
		subID, c.Key, keyID, sealed, desc, c.Weight, at); err != nil {
		return fmt.Errorf("insert credential: %w", err)
	}
	return nil
}

// RecordProvisioned saves a subscription whose provisioning data p wrote,
// audits it (subscription.provision) and records its MODIFIED event.
func (tx *Tx) RecordProvisioned(ctx context.Context, p mercato.Principal, sub *subscription.Subscription) error {
	before := *sub
	if err := tx.s.saveSubscription(ctx, tx.t, sub); err != nil {
		return err
	}
	if err := tx.s.audit(ctx, tx.t, p, "subscription.provision", "subscription", sub.ID, subscription.Diff(before, *sub)); err != nil {
		return err
	}
	return tx.s.recordEvent(ctx, tx.t, subscription.EntitySubscription, sub.ID, subscription.EventModified, nil)
}
