package store

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/syndication"
)

// The writes of webhook endpoints and their deliveries (internal/webhooks
// decides who registers, changes and replays what). Secrets are sealed at
// rest (seal.go): the keys must be loaded before the transaction
// ([Store.LoadSecrets]).

// InsertEndpoint saves a new endpoint, its secret sealed, and sets its id.
func (tx *Tx) InsertEndpoint(ctx context.Context, e *syndication.Endpoint) error {
	ring, err := tx.s.keyring(ctx)
	if err != nil {
		return err
	}
	if err := tx.t.QueryRowContext(ctx, `INSERT INTO webhook_endpoints (owner_id, product_id, url, events, enabled, disabled_reason, secret, previous_secret,
		previous_secret_until, failing_since, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id`,
		e.OwnerID, e.ProductID, e.URL, syndication.FilterText(e.Events), e.Enabled, e.DisabledReason, sealText(ring, e.Secret, webhookSecretContext),
		sealText(ring, e.PreviousSecret, webhookSecretContext), micros(e.PreviousUntil), micros(e.FailingSince), e.CreatedAt, e.UpdatedAt).Scan(&e.ID); err != nil {
		return fmt.Errorf("insert endpoint: %w", err)
	}
	return nil
}

// SaveEndpoint saves what may change of an endpoint, its secrets sealed.
func (tx *Tx) SaveEndpoint(ctx context.Context, e syndication.Endpoint) error {
	ring, err := tx.s.keyring(ctx)
	if err != nil {
		return err
	}
	_, err = tx.t.ExecContext(ctx, `UPDATE webhook_endpoints SET url=$1, events=$2, enabled=$3, disabled_reason=$4, secret=$5, previous_secret=$6,
		previous_secret_until=$7, failing_since=$8, updated_at=$9 WHERE id=$10`,
		e.URL, syndication.FilterText(e.Events), e.Enabled, e.DisabledReason, sealText(ring, e.Secret, webhookSecretContext),
		sealText(ring, e.PreviousSecret, webhookSecretContext), micros(e.PreviousUntil), micros(e.FailingSince), e.UpdatedAt, e.ID)
	if err != nil {
		return fmt.Errorf("save endpoint %d: %w", e.ID, err)
	}
	return nil
}

// ResumeDeliveries makes an endpoint's pending deliveries due now, their
// attempts counted anew.
func (tx *Tx) ResumeDeliveries(ctx context.Context, endpointID int64) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = $1, attempts = 0 WHERE endpoint_id = $2 AND status = 'pending'`,
		micros(tx.s.now()), endpointID); err != nil {
		return fmt.Errorf("resume deliveries to endpoint %d: %w", endpointID, err)
	}
	return nil
}

// DeleteEndpoint deletes an endpoint with its deliveries and its log.
func (tx *Tx) DeleteEndpoint(ctx context.Context, id int64) error {
	for _, stmt := range []string{
		`DELETE FROM delivery_attempts WHERE endpoint_id = $1`,
		`DELETE FROM deliveries WHERE endpoint_id = $1`,
		`DELETE FROM webhook_endpoints WHERE id = $1`,
	} {
		if _, err := tx.t.ExecContext(ctx, stmt, id); err != nil {
			return fmt.Errorf("delete endpoint %d: %w", id, err)
		}
	}
	return nil
}

// ReplayDeliveries makes the deliveries to an endpoint that r names (one
// event's, or those created in [r.From, r.To)) pending and due now, and
// returns how many there were. Deliveries made due wake the dispatcher
// once the transaction commits.
func (tx *Tx) ReplayDeliveries(ctx context.Context, endpointID int64, r syndication.Replay) (int64, error) {
	q := &query{}
	q.add("UPDATE deliveries SET status = 'pending', next_attempt_at = %a, locked_until = 0 WHERE endpoint_id = %a", micros(tx.s.now()), endpointID)
	if r.EventID != 0 {
		q.add(" AND event_id = %a", r.EventID)
	} else {
		q.add(" AND created_at >= %a AND created_at < %a", r.From.UTC(), r.To.UTC())
	}
	res, err := tx.t.ExecContext(ctx, q.String(), q.args...)
	if err != nil {
		return 0, fmt.Errorf("replay deliveries: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("replay deliveries: %w", err)
	}
	if n > 0 {
		tx.t.recorded = true
	}
	return n, nil
}

// VisibleProduct returns a product visible to p.
func (tx *Tx) VisibleProduct(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error) {
	return tx.s.product(ctx, tx.t, p, id)
}

// Endpoint returns an endpoint visible to p, its secrets opened.
func (tx *Tx) Endpoint(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error) {
	return tx.s.endpoint(ctx, tx.t, p, id)
}
