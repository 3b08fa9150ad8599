package store

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// recordEvent writes a lifecycle event to the outbox inside the caller's
// transaction, with a delivery for every webhook endpoint that wants it, so
// the event and its deliveries exist if and only if the change commits.
func (s *Store) recordEvent(ctx context.Context, tx *txn, entity string, id int64, typ string, metadata map[string]string) error {
	if metadata == nil {
		metadata = map[string]string{}
	}
	meta, err := jsonText(metadata)
	if err != nil {
		return err
	}
	now := s.now()
	var eventID int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO events (entity, entity_id, type, occurred_at, metadata) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
		entity, id, typ, now, meta).Scan(&eventID); err != nil {
		return fmt.Errorf("record %s %s event: %w", entity, typ, err)
	}
	tx.recorded = true
	return s.fanOut(ctx, tx, eventID, entity, id, typ, now)
}

// ListEvents lists lifecycle events in the order they happened. The
// platform sees all; other callers see the events of subscriptions they can
// see.
func (s *Store) ListEvents(ctx context.Context, p mercato.Principal, f EventFilter, page Page) ([]subscription.Event, int64, error) {
	q := &query{}
	q.add("SELECT e.id, e.entity, e.entity_id, e.type, e.occurred_at, e.metadata FROM events e WHERE ")
	if p.IsPlatform() {
		q.add("TRUE")
	} else {
		q.add("e.entity = 'Subscription' AND e.entity_id IN (SELECT s.id FROM subscriptions s WHERE ")
		subscriptionScope(q, p, "s.customer_id", "s.product_id")
		q.add(")")
	}
	if f.Entity != "" {
		q.add(" AND e.entity = %a", f.Entity)
	}
	if f.EntityID != 0 {
		q.add(" AND e.entity_id = %a", f.EntityID)
	}
	return list(ctx, s.rd(), q, "e.id", page, "events", scanEvent, func(e subscription.Event) int64 { return e.ID })
}

func scanEvent(row scanner) (subscription.Event, error) {
	var e subscription.Event
	err := row.Scan(&e.ID, &e.Entity, &e.EntityID, &e.Type, &e.OccurredAt, jsonColumn{&e.Metadata})
	e.OccurredAt = e.OccurredAt.UTC()
	return e, err
}
