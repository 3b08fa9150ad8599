package store

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/mercato-market/mercato/internal/secretbox"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
)

// Sealed text columns hold "sb1:<key id>:<ciphertext>": the secret sealed
// with AES-256-GCM under the store's keyring, bound to what it is (the
// context), so a value copied into another column does not open.
const sealPrefix = "sb1:"

// webhookSecretContext binds sealed webhook secrets to their use.
var webhookSecretContext = []byte("mercato webhook endpoint secret")

// sealText seals a secret for a text column.
func sealText(ring *secretbox.Keyring, plain string, context []byte) string {
	if plain == "" {
		return ""
	}
	keyID, ct := ring.Seal([]byte(plain), context)
	return sealPrefix + keyID + ":" + ct
}

// openText opens a sealed text column; text without the prefix is a value
// written before sealing, read as it is.
func openText(ring *secretbox.Keyring, stored string, context []byte) (string, error) {
	rest, ok := strings.CutPrefix(stored, sealPrefix)
	if !ok {
		return stored, nil
	}
	keyID, ct, ok := strings.Cut(rest, ":")
	if !ok {
		return "", fmt.Errorf("malformed sealed value")
	}
	plain, err := ring.Open(keyID, ct, context)
	if err != nil {
		return "", err
	}
	return string(plain), nil
}

// openEndpoint replaces an endpoint's sealed secrets with their text.
func (s *Store) openEndpoint(ctx context.Context, e *syndication.Endpoint) error {
	ring, err := s.keyring(ctx)
	if err != nil {
		return err
	}
	if e.Secret, err = openText(ring, e.Secret, webhookSecretContext); err != nil {
		return fmt.Errorf("webhook endpoint %d secret: %w", e.ID, err)
	}
	if e.PreviousSecret, err = openText(ring, e.PreviousSecret, webhookSecretContext); err != nil {
		return fmt.Errorf("webhook endpoint %d previous secret: %w", e.ID, err)
	}
	return nil
}

// RotateSecrets seals every sealed value again with the primary key (after
// MERCATO_SECRET_KEY got a new first key, the old ones kept after it), and
// seals webhook secrets written before sealing. It returns how many values
// it rewrote; afterwards the old keys can be dropped.
func (s *Store) RotateSecrets(ctx context.Context) (int, error) {
	ring, err := s.keyring(ctx)
	if err != nil {
		return 0, err
	}
	primary := ring.Primary().ID()
	n := 0
	err = s.tx(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, secret, previous_secret FROM webhook_endpoints`)
		if err != nil {
			return err
		}
		type row struct {
			id             int64
			secret, before string
		}
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.secret, &r.before); err != nil {
				rows.Close()
				return err
			}
			if !strings.HasPrefix(r.secret, sealPrefix+primary+":") || (r.before != "" && !strings.HasPrefix(r.before, sealPrefix+primary+":")) {
				todo = append(todo, r)
			}
		}
		rows.Close()
		for _, r := range todo {
			secret, err := openText(ring, r.secret, webhookSecretContext)
			if err != nil {
				return fmt.Errorf("webhook endpoint %d: %w", r.id, err)
			}
			before, err := openText(ring, r.before, webhookSecretContext)
			if err != nil {
				return fmt.Errorf("webhook endpoint %d: %w", r.id, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET secret = $1, previous_secret = $2 WHERE id = $3`,
				sealText(ring, secret, webhookSecretContext), sealText(ring, before, webhookSecretContext), r.id); err != nil {
				return err
			}
			n++
		}
		creds, err := tx.QueryContext(ctx, `SELECT subscription_id, key, key_id, value_sealed FROM subscription_credentials WHERE key_id <> $1`, primary)
		if err != nil {
			return err
		}
		type cred struct {
			sub               int64
			key, keyID, value string
		}
		var stale []cred
		for creds.Next() {
			var c cred
			if err := creds.Scan(&c.sub, &c.key, &c.keyID, &c.value); err != nil {
				creds.Close()
				return err
			}
			stale = append(stale, c)
		}
		creds.Close()
		for _, c := range stale {
			plain, err := ring.Open(c.keyID, c.value, credentialContext(c.sub, c.key))
			if err != nil {
				return fmt.Errorf("credential %q of subscription %d: %w", c.key, c.sub, err)
			}
			keyID, sealed := ring.Seal(plain, credentialContext(c.sub, c.key))
			if _, err := tx.ExecContext(ctx, `UPDATE subscription_credentials SET key_id = $1, value_sealed = $2 WHERE subscription_id = $3 AND key = $4`,
				keyID, sealed, c.sub, c.key); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return n, fmt.Errorf("rotate secrets: %w", err)
	}
	return n, nil
}

// configSecretContext binds sealed configuration values to their use.
var configSecretContext = []byte("mercato subscription configuration secret")

// sealConfiguration returns the JSON of a configuration whose Secret
// values are sealed.
func (s *Store) sealConfiguration(ctx context.Context, config map[string]any) (string, error) {
	var sealed map[string]any
	for k, v := range config {
		sv, ok := v.(subscription.Secret)
		if !ok {
			continue
		}
		if sealed == nil {
			sealed = maps.Clone(config)
		}
		ring, err := s.keyring(ctx)
		if err != nil {
			return "", err
		}
		sealed[k] = sealText(ring, sv.Text(), configSecretContext)
	}
	if sealed == nil {
		sealed = config
	}
	return jsonText(sealed)
}

// maskConfiguration shows the sealed values of a configuration read back
// as subscription.Masked.
func maskConfiguration(config map[string]any) {
	for k, v := range config {
		if text, ok := v.(string); ok && strings.HasPrefix(text, sealPrefix) {
			config[k] = subscription.Masked
		}
	}
}

// RevealedConfiguration returns a subscription's configuration with its
// secret values opened, for its provider (the lifecycle service decides
// who that is; nothing here checks).
func (s *Store) RevealedConfiguration(ctx context.Context, subID int64) (map[string]any, error) {
	var config map[string]any
	if err := s.rd().QueryRowContext(ctx, `SELECT configuration FROM subscriptions WHERE id = $1`, subID).Scan(jsonColumn{&config}); err != nil {
		return nil, notFoundIfNoRows(err, "subscription", subID)
	}
	ring, err := s.keyring(ctx)
	if err != nil {
		return nil, err
	}
	for k, v := range config {
		if text, ok := v.(string); ok && strings.HasPrefix(text, sealPrefix) {
			if config[k], err = openText(ring, text, configSecretContext); err != nil {
				return nil, fmt.Errorf("subscription %d configuration %s: %w", subID, k, err)
			}
		}
	}
	return config, nil
}
