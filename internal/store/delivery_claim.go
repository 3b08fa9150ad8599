package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
)

// DueDelivery is a delivery claimed for sending, with all it needs.
type DueDelivery struct {
	ID         int64
	Attempts   int // attempts made so far
	Endpoint   syndication.Endpoint
	Event      subscription.Event
	FirstTryAt time.Time // when the delivery was created
}

// ClaimDeliveries leases up to limit due deliveries for lease, oldest
// first. Only the earliest undelivered event of each subscription (each
// ordering key) at an endpoint is due, so events arrive in order; a lease
// that runs out (its process died) makes the delivery due again. On
// PostgreSQL, concurrent claimers skip each other's rows.
func (s *Store) ClaimDeliveries(ctx context.Context, limit int, lease time.Duration) ([]DueDelivery, error) {
	return s.ClaimDue(ctx, Claim{Limit: limit, Lease: lease})
}

// Claim says what ClaimDue takes.
type Claim struct {
	Limit int
	Lease time.Duration
	// Exclude lists endpoints not to claim for (the dispatcher's endpoints
	// at their concurrency limit, or whose circuit is open).
	Exclude []int64
}

// ClaimDue leases due deliveries as ClaimDeliveries does, skipping the
// endpoints c excludes.
func (s *Store) ClaimDue(ctx context.Context, c Claim) ([]DueDelivery, error) {
	limit, lease := c.Limit, c.Lease
	now := s.now()
	var ids []int64
	exclude := ""
	if len(c.Exclude) > 0 {
		var b strings.Builder
		b.WriteString(" AND d.endpoint_id NOT IN (")
		for i, id := range c.Exclude {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(strconv.FormatInt(id, 10)) // integers only: no injection
		}
		b.WriteString(")")
		exclude = b.String()
	}
	err := s.tx(ctx, func(tx *txn) error {
		lock := ""
		if s.engine == Postgres {
			lock = " FOR UPDATE OF d SKIP LOCKED"
		}
		rows, err := tx.QueryContext(ctx, `UPDATE deliveries SET locked_until = $1 WHERE id IN (
			SELECT d.id FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.status = 'pending' AND d.next_attempt_at <= $2 AND d.locked_until < $2 AND e.enabled`+exclude+`
			  AND NOT EXISTS (SELECT 1 FROM deliveries b WHERE b.endpoint_id = d.endpoint_id AND b.ordering_key = d.ordering_key
			                  AND b.status = 'pending' AND b.id < d.id)
			ORDER BY d.next_attempt_at, d.id LIMIT $3`+lock+`) RETURNING id`, micros(now.Add(lease)), micros(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil || len(ids) == 0 {
		if err != nil {
			err = fmt.Errorf("claim deliveries: %w", err)
		}
		return nil, err
	}
	q := &query{}
	q.add("SELECT d.id, d.attempts, d.created_at, ev.id, ev.entity, ev.entity_id, ev.type, ev.occurred_at, ev.metadata, " + endpointColumns +
		" FROM deliveries d JOIN events ev ON ev.id = d.event_id JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id IN (")
	for i, id := range ids {
		if i > 0 {
			q.add(", ")
		}
		q.add("%a", id)
	}
	q.add(") ORDER BY d.id")
	rows, err := s.db.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("claimed deliveries: %w", err)
	}
	defer rows.Close()
	out := make([]DueDelivery, 0, len(ids))
	for rows.Next() {
		var d DueDelivery
		ev := &d.Event
		dst := []any{&d.ID, &d.Attempts, &d.FirstTryAt, &ev.ID, &ev.Entity, &ev.EntityID, &ev.Type, &ev.OccurredAt, jsonColumn{&ev.Metadata}}
		e, err := scanEndpoint(scanPrefix{rows, dst})
		if err != nil {
			return nil, fmt.Errorf("scan delivery: %w", err)
		}
		if err := s.openEndpoint(ctx, &e); err != nil {
			return nil, err
		}
		d.Endpoint, ev.OccurredAt = e, ev.OccurredAt.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// ReleaseDeliveries gives back claimed deliveries that were not sent, so
// that they are due again at once (to this or another process).
func (s *Store) ReleaseDeliveries(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	q := &query{}
	q.add("UPDATE deliveries SET locked_until = 0 WHERE status = 'pending' AND id IN ")
	q.ids(ids)
	if _, err := s.db.ExecContext(ctx, q.String(), q.args...); err != nil {
		return fmt.Errorf("release %d deliveries: %w", len(ids), err)
	}
	return nil
}

// scanPrefix scans leading columns into dst and hands the rest to the
// wrapped scanner's caller.
type scanPrefix struct {
	rows *sql.Rows
	dst  []any
}

func (sp scanPrefix) Scan(rest ...any) error { return sp.rows.Scan(append(sp.dst, rest...)...) }
