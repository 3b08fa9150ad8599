package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/retention"
)

// RetentionPolicy returns the operator's retention policy, the defaults
// until it is set.
func (s *Store) RetentionPolicy(ctx context.Context) (retention.Policy, error) {
	var p retention.Policy
	err := s.rd().QueryRowContext(ctx, `SELECT attempts_days, deliveries_days, events_days, updated_at FROM retention_settings WHERE id = 1`).
		Scan(&p.Attempts, &p.Deliveries, &p.Events, &p.UpdatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return retention.Default(), nil
	}
	if err != nil {
		return p, fmt.Errorf("retention policy: %w", err)
	}
	p.UpdatedAt = p.UpdatedAt.UTC()
	return p, nil
}

// SaveRetentionPolicy writes the retention policy, setting its update
// time. The caller validates it.
func (s *Store) SaveRetentionPolicy(ctx context.Context, p *retention.Policy) error {
	p.UpdatedAt = s.now()
	if _, err := s.rd().ExecContext(ctx, `INSERT INTO retention_settings (id, attempts_days, deliveries_days, events_days, updated_at) VALUES (1, $1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET attempts_days = EXCLUDED.attempts_days, deliveries_days = EXCLUDED.deliveries_days,
		events_days = EXCLUDED.events_days, updated_at = EXCLUDED.updated_at`, p.Attempts, p.Deliveries, p.Events, p.UpdatedAt); err != nil {
		return fmt.Errorf("save retention policy: %w", err)
	}
	return nil
}

// Each prune deletes at most limit of the oldest rows past its cutoff in
// one statement (its own short transaction), found through an index on
// their time: the caller repeats it while it returns limit.

// PruneAttempts deletes delivery attempts made before cutoff.
func (s *Store) PruneAttempts(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.prune(ctx, "delivery attempts", `DELETE FROM delivery_attempts WHERE id IN (
		SELECT id FROM delivery_attempts WHERE attempted_at < $1 ORDER BY attempted_at LIMIT $2)`, before, limit)
}

// PruneDeliveries deletes deliveries delivered before cutoff, with their
// attempts; pending deliveries stay, however old.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.prune(ctx, "deliveries", `DELETE FROM deliveries WHERE id IN (
		SELECT id FROM deliveries WHERE status = 'delivered' AND delivered_at < $1 ORDER BY delivered_at LIMIT $2)`, before, limit)
}

// PruneEvents deletes events that occurred before cutoff, once notified
// and no longer referred to by a delivery or an e-mail.
func (s *Store) PruneEvents(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.prune(ctx, "events", `DELETE FROM events WHERE id IN (
		SELECT ev.id FROM events ev WHERE ev.occurred_at < $1 AND ev.notified_at IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = ev.id)
		  AND NOT EXISTS (SELECT 1 FROM mail_messages m WHERE m.event_id = ev.id)
		ORDER BY ev.occurred_at LIMIT $2)`, before, limit)
}

func (s *Store) prune(ctx context.Context, what, stmt string, before time.Time, limit int) (int64, error) {
	res, err := s.db.ExecContext(ctx, stmt, before.UTC().Truncate(time.Microsecond), limit)
	if err != nil {
		return 0, fmt.Errorf("prune %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("prune %s: %w", what, err)
	}
	return n, nil
}
