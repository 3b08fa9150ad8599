package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/secretbox"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Provisioning data as stored: endpoints, instructions and credentials
// whose values are sealed at rest (the keys are here); who may write and
// who reads the values is internal/provisioning's decision, the writes are
// in tx_provisioning.go. Also the subscription reads of the
// Cloudesire-compatible API (details, numbered pages; its subscriber
// reads are in subscriber.go).

// secrets holds the keys that seal credential values.
type secrets struct {
	mu       sync.Mutex
	explicit *secretbox.Key
	older    []*secretbox.Key
	ring     *secretbox.Keyring
}

// SetSecretKeys makes primary the key that seals new values (the operator's
// MERCATO_SECRET_KEY, first entry) and older ones open what they sealed.
// Without keys the store generates one on first use and keeps it in the
// secret_keys table, which suits development only: the key then lives
// beside the values it protects. Keys in secret_keys still open the values
// they sealed after explicit keys are set.
func (s *Store) SetSecretKeys(primary *secretbox.Key, older ...*secretbox.Key) {
	s.secrets.mu.Lock()
	defer s.secrets.mu.Unlock()
	s.secrets.explicit, s.secrets.older, s.secrets.ring = primary, older, nil
}

// LoadSecrets loads (or, the first time, generates) the sealing keys now,
// so that no transaction waits for it later. Call it once the schema is
// migrated.
func (s *Store) LoadSecrets(ctx context.Context) error {
	_, err := s.keyring(ctx)
	return err
}

// keyring returns the keys, loading (or, the first time, generating) them.
// It must not run inside a transaction: it may write on its own.
func (s *Store) keyring(ctx context.Context) (*secretbox.Keyring, error) {
	s.secrets.mu.Lock()
	defer s.secrets.mu.Unlock()
	if s.secrets.ring != nil {
		return s.secrets.ring, nil
	}
	stored, err := s.storedKeys(ctx)
	if err != nil {
		return nil, err
	}
	if s.secrets.explicit == nil && len(stored) == 0 {
		k := secretbox.Generate()
		key, err := secretbox.ParseKey(k)
		if err != nil {
			return nil, err
		}
		// Replicas starting together may each insert one; the oldest seals.
		if _, err := s.db.ExecContext(ctx, `INSERT INTO secret_keys (id, material, created_at) VALUES ($1,$2,$3) ON CONFLICT (id) DO NOTHING`,
			key.ID(), k, s.now()); err != nil {
			return nil, fmt.Errorf("store generated secret key: %w", err)
		}
		if stored, err = s.storedKeys(ctx); err != nil {
			return nil, err
		}
	}
	if s.secrets.explicit != nil {
		s.secrets.ring = secretbox.NewKeyring(s.secrets.explicit, append(append([]*secretbox.Key{}, s.secrets.older...), stored...)...)
	} else {
		s.secrets.ring = secretbox.NewKeyring(stored[0], stored[1:]...)
	}
	return s.secrets.ring, nil
}

func (s *Store) storedKeys(ctx context.Context) ([]*secretbox.Key, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT material FROM secret_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("load secret keys: %w", err)
	}
	defer rows.Close()
	var out []*secretbox.Key
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, err
		}
		k, err := secretbox.ParseKey(m)
		if err != nil {
			return nil, fmt.Errorf("secret_keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// credentialContext binds a sealed value to its subscription and key, so a
// value copied to another row does not open.
func credentialContext(subID int64, key string) []byte {
	return []byte("subscription/" + strconv.FormatInt(subID, 10) + "/credential/" + key)
}

// visible is a subscription as seen by a caller: who it belongs to.
type visible struct {
	id, customerID, productID, vendorID int64
}

func (s *Store) visibleSubscription(ctx context.Context, db queryer, p mercato.Principal, id int64) (visible, error) {
	q := &query{}
	q.add("SELECT s.id, s.customer_id, s.product_id, s.vendor_id FROM subscriptions s WHERE s.id = %a AND ", id)
	subscriptionScope(q, p, "s")
	var v visible
	err := db.QueryRowContext(ctx, q.String(), q.args...).Scan(&v.id, &v.customerID, &v.productID, &v.vendorID)
	if err != nil {
		return v, notFoundIfNoRows(err, "subscription", id)
	}
	return v, nil
}

// SubscriptionParties returns who a subscription visible to p belongs to.
func (s *Store) SubscriptionParties(ctx context.Context, p mercato.Principal, id int64) (subscription.Parties, error) {
	v, err := s.visibleSubscription(ctx, s.rd(), p, id)
	return subscription.Parties{SubscriptionID: v.id, CustomerID: v.customerID, ProductID: v.productID, VendorID: v.vendorID}, err
}

// ProvisioningData returns a subscription's endpoints, instructions and
// credentials, the credential values opened only when reveal is set.
func (s *Store) ProvisioningData(ctx context.Context, subID int64, reveal bool) (subscription.Provisioning, error) {
	return s.provisioning(ctx, visible{id: subID}, reveal)
}

func (s *Store) provisioning(ctx context.Context, v visible, reveal bool) (subscription.Provisioning, error) {
	out := subscription.Provisioning{Endpoints: []subscription.Endpoint{}, Instructions: map[string]string{}, Credentials: []subscription.Credential{},
		Revealed: reveal}
	db := s.rd()
	rows, err := db.QueryContext(ctx, `SELECT endpoint, description, category FROM subscription_endpoints WHERE subscription_id = $1 ORDER BY id`, v.id)
	if err != nil {
		return out, fmt.Errorf("endpoints of subscription %d: %w", v.id, err)
	}
	for rows.Next() {
		var e subscription.Endpoint
		if err := rows.Scan(&e.Endpoint, &e.Description, &e.Category); err != nil {
			rows.Close()
			return out, err
		}
		out.Endpoints = append(out.Endpoints, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	rows, err = db.QueryContext(ctx, `SELECT lang, text FROM subscription_instructions WHERE subscription_id = $1`, v.id)
	if err != nil {
		return out, fmt.Errorf("instructions of subscription %d: %w", v.id, err)
	}
	for rows.Next() {
		var lang, text string
		if err := rows.Scan(&lang, &text); err != nil {
			rows.Close()
			return out, err
		}
		out.Instructions[lang] = text
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	type sealed struct{ keyID, value string }
	var values []sealed
	rows, err = db.QueryContext(ctx, `SELECT key, key_id, value_sealed, description, weight, created_at FROM subscription_credentials WHERE subscription_id = $1 ORDER BY weight, id`, v.id)
	if err != nil {
		return out, fmt.Errorf("credentials of subscription %d: %w", v.id, err)
	}
	for rows.Next() {
		var c subscription.Credential
		var sv sealed
		if err := rows.Scan(&c.Key, &sv.keyID, &sv.value, jsonColumn{&c.Description}, &c.Weight, &c.CreatedAt); err != nil {
			rows.Close()
			return out, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out.Credentials = append(out.Credentials, c)
		values = append(values, sv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return out, err
	}
	if !out.Revealed || len(values) == 0 {
		return out, nil
	}
	ring, err := s.keyring(ctx)
	if err != nil {
		return out, err
	}
	for i, sv := range values {
		plain, err := ring.Open(sv.keyID, sv.value, credentialContext(v.id, out.Credentials[i].Key))
		if err != nil {
			return out, fmt.Errorf("credential %q of subscription %d: %w", out.Credentials[i].Key, v.id, err)
		}
		out.Credentials[i].Value = string(plain)
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SubscriptionDetail is a subscription with what the Cloudesire-compatible
// API shows beside it (subscription.Detail).
type SubscriptionDetail = subscription.Detail

// SubscriptionDetail returns a subscription visible to p with its product,
// plan, buyer and provisioning data.
func (s *Store) SubscriptionDetail(ctx context.Context, p mercato.Principal, id int64) (SubscriptionDetail, error) {
	var d SubscriptionDetail
	v, err := s.visibleSubscription(ctx, s.rd(), p, id)
	if err != nil {
		return d, err
	}
	db := s.rd()
	if d.Subscription, err = scanSubscription(db.QueryRowContext(ctx, "SELECT "+subscriptionColumns+" FROM subscriptions s WHERE s.id = $1", id)); err != nil {
		return d, notFoundIfNoRows(err, "subscription", id)
	}
	if d.Product, err = s.productByID(ctx, db, d.ProductID); err != nil {
		return d, err
	}
	if d.Plan, err = s.planByID(ctx, db, d.PlanID); err != nil {
		return d, err
	}
	var buyer sql.NullInt64
	err = db.QueryRowContext(ctx, `SELECT COALESCE((SELECT o.created_by FROM orders o WHERE o.subscription_id = $1 AND o.created_by IS NOT NULL ORDER BY o.id LIMIT 1),
		(SELECT MIN(u.id) FROM users u WHERE u.organization_id = $2))`, id, d.CustomerID).Scan(&buyer)
	if err != nil {
		return d, fmt.Errorf("buyer of subscription %d: %w", id, err)
	}
	d.BuyerID = buyer.Int64
	parties := subscription.Parties{SubscriptionID: v.id, CustomerID: v.customerID, ProductID: v.productID, VendorID: v.vendorID}
	d.Provisioning, err = s.provisioning(ctx, v, parties.RevealsCredentials(p))
	return d, err
}

// NumberedPage asks for a page by number (mercato.NumberedPage).
type NumberedPage = mercato.NumberedPage

// SubscriptionPage lists the subscriptions visible to p one numbered page
// at a time, with the total count; when expiringBefore is set, only live
// ones whose end date is before it, soonest first.
func (s *Store) SubscriptionPage(ctx context.Context, p mercato.Principal, f SubscriptionFilter, expiringBefore time.Time, pg NumberedPage) ([]subscription.Subscription, int, error) {
	pg.Size = min(max(pg.Size, 1), 200)
	pg.Number = max(pg.Number, 1)
	where := &query{}
	subscriptionScope(where, p, "s")
	if f.CustomerID != 0 {
		where.add(" AND s.customer_id = %a", f.CustomerID)
	}
	if f.ProductID != 0 {
		where.add(" AND s.product_id = %a", f.ProductID)
	}
	if f.Status != "" {
		where.add(" AND s.deployment_status = %a", string(f.Status))
	}
	order := " ORDER BY s.id"
	if !expiringBefore.IsZero() {
		where.add(" AND s.deployment_status IN ('DEPLOYED','STOPPED') AND s.end_date < %a", expiringBefore.UTC().Truncate(time.Microsecond))
		order = " ORDER BY s.end_date, s.id"
	}
	var total int
	if err := s.rd().QueryRowContext(ctx, "SELECT COUNT(*) FROM subscriptions s WHERE "+where.String(), where.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count subscriptions: %w", err)
	}
	where.add(order+" LIMIT %a OFFSET %a", pg.Size, (pg.Number-1)*pg.Size)
	rows, err := s.rd().QueryContext(ctx, "SELECT "+subscriptionColumns+" FROM subscriptions s WHERE "+where.String(), where.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list subscriptions: %w", err)
	}
	defer rows.Close()
	out := []subscription.Subscription{}
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("scan subscription: %w", err)
		}
		out = append(out, sub)
	}
	return out, total, rows.Err()
}
