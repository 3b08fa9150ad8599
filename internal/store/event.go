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
	if err := tx.QueryRowContext(ctx, `INSERT INTO events (entity, entity_id, type, occurred_at, metadata, customer_id, reseller_id, distributor_id, vendor_id)
		SELECT $1,$2,$3,$4,$5, s.customer_id, s.reseller_id, s.distributor_id, s.vendor_id
		FROM (SELECT 1 AS one) o LEFT JOIN subscriptions s ON s.id = $2 AND $1 = 'Subscription' RETURNING id`,
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
	return list(ctx, s.rd(), eventList(p, f), "e.id", page, "events", scanEvent, func(e subscription.Event) int64 { return e.ID })
}

// eventList is the query of ListEvents, before its page.
func eventList(p mercato.Principal, f EventFilter) *query {
	q := &query{}
	q.add("SELECT e.id, e.entity, e.entity_id, e.type, e.occurred_at, e.metadata FROM events e WHERE ")
	if p.IsPlatform() {
		q.add("TRUE")
	} else {
		// Only a subscription's events carry a scope (recordEvent).
		subscriptionScope(q, p, "e")
	}
	if f.Entity != "" {
		q.add(" AND e.entity = %a", f.Entity)
	}
	if f.EntityID != 0 {
		q.add(" AND e.entity_id = %a", f.EntityID)
	}
	return q
}

func scanEvent(row scanner) (subscription.Event, error) {
	var e subscription.Event
	err := row.Scan(&e.ID, &e.Entity, &e.EntityID, &e.Type, &e.OccurredAt, jsonColumn{&e.Metadata})
	e.OccurredAt = e.OccurredAt.UTC()
	return e, err
}
