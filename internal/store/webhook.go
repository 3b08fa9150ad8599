package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// micros converts a time to the unix microseconds of the scheduling columns.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

const endpointColumns = "e.id, e.owner_id, e.product_id, e.url, e.events, e.enabled, e.disabled_reason, e.secret, e.previous_secret, e.previous_secret_until, e.failing_since, e.created_at, e.updated_at"

func scanEndpoint(row scanner) (syndication.Endpoint, error) {
	var e syndication.Endpoint
	var product sql.NullInt64
	var events string
	var prevUntil, failing int64
	err := row.Scan(&e.ID, &e.OwnerID, &product, &e.URL, &events, &e.Enabled, &e.DisabledReason, &e.Secret, &e.PreviousSecret, &prevUntil, &failing, &e.CreatedAt, &e.UpdatedAt)
	if product.Valid {
		e.ProductID = &product.Int64
	}
	e.Events = syndication.ParseFilterText(events)
	e.PreviousUntil, e.FailingSince = fromMicros(prevUntil), fromMicros(failing)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

// The filters of the webhooks service's reads (internal/webhooks), under
// the names the store's other callers know them by.
type (
	EndpointFilter = webhooks.EndpointFilter
	AttemptFilter  = webhooks.AttemptFilter
	EventFilter    = webhooks.EventFilter
)

// ListEndpoints lists the endpoints p sees (its own; all of them for the
// platform).
func (s *Store) ListEndpoints(ctx context.Context, p mercato.Principal, f EndpointFilter, page Page) ([]syndication.Endpoint, int64, error) {
	q := &query{}
	q.add("SELECT " + endpointColumns + " FROM webhook_endpoints e WHERE ")
	endpointScope(q, p)
	if f.ProductID != 0 {
		q.add(" AND e.product_id = %a", f.ProductID)
	}
	items, next, err := list(ctx, s.rd(), q, "e.id", page, "endpoints", scanEndpoint, func(e syndication.Endpoint) int64 { return e.ID })
	for i := range items {
		if err == nil {
			err = s.openEndpoint(ctx, &items[i])
		}
	}
	return items, next, err
}

// Endpoint returns one endpoint p sees (its own; any for the platform).
func (s *Store) Endpoint(ctx context.Context, p mercato.Principal, id int64) (syndication.Endpoint, error) {
	return s.endpoint(ctx, s.rd(), p, id)
}

func (s *Store) endpoint(ctx context.Context, db queryer, p mercato.Principal, id int64) (syndication.Endpoint, error) {
	q := &query{}
	q.add("SELECT "+endpointColumns+" FROM webhook_endpoints e WHERE e.id = %a AND ", id)
	endpointScope(q, p)
	e, err := scanEndpoint(db.QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return e, notFoundIfNoRows(err, "webhook endpoint", id)
	}
	return e, s.openEndpoint(ctx, &e)
}

// fanOut creates, in the transaction that records an event, a delivery
// for every endpoint that wants it: the platform's endpoints get every
// event; a vendor's vendor-wide endpoints get the events of its products,
// plans and users; a product's endpoints get that product's subscription
// events. Disabled endpoints get theirs too, to send once enabled again.
func (s *Store) fanOut(ctx context.Context, db queryer, eventID int64, entity string, entityID int64, typ string, now time.Time) error {
	// owner is the vendor (and product) whose endpoints may want the event,
	// read in the INSERT itself (one round trip, issue 19); none for other
	// entities, whose events go to the platform's endpoints only.
	owner := `SELECT CAST(NULL AS BIGINT) AS vendor_id, CAST(NULL AS BIGINT) AS product_id`
	args := []any{eventID, entity + "/" + fmt.Sprint(entityID), micros(now), now,
		"%," + entity + ",%", "%," + entity + "." + typ + ",%"}
	switch entity {
	case subscription.EntitySubscription:
		owner = `SELECT p.vendor_id, p.id AS product_id FROM subscriptions s JOIN products p ON p.id = s.product_id WHERE s.id = $7`
		args = append(args, entityID)
	case subscription.EntityProductVersion:
		// A plan's events also reach the endpoints of its product (a
		// connector reads the product it is set up for).
		owner = `SELECT p.vendor_id, p.id AS product_id FROM plans pl JOIN products p ON p.id = pl.product_id WHERE pl.id = $7`
		args = append(args, entityID)
	case subscription.EntityUser:
		owner = `SELECT u.organization_id AS vendor_id, CAST(NULL AS BIGINT) AS product_id FROM users u WHERE u.id = $7`
		args = append(args, entityID)
	}
	_, err := db.ExecContext(ctx, `INSERT INTO deliveries (event_id, endpoint_id, ordering_key, next_attempt_at, created_at)
		SELECT $1, e.id, $2, $3, $4 FROM webhook_endpoints e JOIN organizations o ON o.id = e.owner_id
		LEFT JOIN (`+owner+`) w ON TRUE
		WHERE (e.events = '' OR e.events LIKE $5 OR e.events LIKE $6)
		  AND ((o.kind = 'platform' AND e.product_id IS NULL)
		    OR (e.owner_id = w.vendor_id AND (e.product_id IS NULL OR e.product_id = w.product_id)))`, args...)
	if err != nil {
		return fmt.Errorf("fan out event %d: %w", eventID, err)
	}
	return nil
}

// Result is what happened to a claimed delivery, decided by the dispatcher.
type Result struct {
	Attempt   syndication.Attempt
	Event     subscription.Event // the event delivered (or not)
	Delivered bool
	// NextAttempt is when to try again (undelivered only).
	NextAttempt time.Time
	// Disable, when set, disables the endpoint with this reason: it
	// answered 410 Gone, or failed for the whole retry schedule.
	Disable string
}

// RecordResults saves a batch of attempts and their consequences in one
// transaction: delivered ones are done; others wait for their next attempt;
// endpoints are disabled (their owner notified) when a result says so.
func (s *Store) RecordResults(ctx context.Context, results []Result) error {
	if len(results) == 0 {
		return nil
	}
	now := s.now()
	return s.tx(ctx, func(tx *txn) error {
		for _, r := range results {
			a := r.Attempt
			if _, err := tx.ExecContext(ctx, `INSERT INTO delivery_attempts (delivery_id, endpoint_id, event_id, attempted_at, status_code, latency_us, error, response_excerpt)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, a.DeliveryID, a.EndpointID, a.EventID, a.AttemptedAt.UTC().Truncate(time.Microsecond), a.StatusCode,
				a.Latency.Microseconds(), a.Error, a.Response); err != nil {
				return fmt.Errorf("record attempt: %w", err)
			}
			var err error
			if r.Delivered {
				_, err = tx.ExecContext(ctx, `UPDATE deliveries SET status = 'delivered', attempts = attempts + 1, locked_until = 0, last_status = $1, last_error = '', delivered_at = $2 WHERE id = $3`,
					a.StatusCode, now, a.DeliveryID)
				if err == nil {
					_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = 0 WHERE id = $1 AND failing_since <> 0`, a.EndpointID)
				}
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE deliveries SET attempts = attempts + 1, locked_until = 0, last_status = $1, last_error = $2, next_attempt_at = $3 WHERE id = $4`,
					a.StatusCode, a.Error, micros(r.NextAttempt), a.DeliveryID)
				if err == nil {
					_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET failing_since = $1 WHERE id = $2 AND failing_since = 0`, micros(a.AttemptedAt), a.EndpointID)
				}
			}
			if err != nil {
				return fmt.Errorf("record result of delivery %d: %w", a.DeliveryID, err)
			}
			if r.Disable != "" {
				if err := s.disableEndpoint(ctx, tx, a.EndpointID, r.Disable, now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (s *Store) disableEndpoint(ctx context.Context, tx *txn, id int64, reason string, now time.Time) error {
	var owner int64
	var url string
	err := tx.QueryRowContext(ctx, `UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = $1, updated_at = $2 WHERE id = $3 AND enabled RETURNING owner_id, url`,
		reason, now, id).Scan(&owner, &url)
	if err == sql.ErrNoRows {
		return nil // already disabled
	}
	if err != nil {
		return fmt.Errorf("disable endpoint %d: %w", id, err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO notifications (organization_id, kind, message, created_at) VALUES ($1, 'webhook_endpoint_disabled', $2, $3)`,
		owner, fmt.Sprintf("Webhook endpoint %d (%s) was disabled: %s. Events wait for it: enable it again to receive them.", id, url, reason), now)
	if err != nil {
		return fmt.Errorf("notify owner of endpoint %d: %w", id, err)
	}
	if fn := s.onDisabled.Load(); fn != nil {
		e := notify.DisabledEndpoint{ID: id, OwnerID: owner, URL: url, Reason: reason, At: now}
		if err := (*fn)(ctx, &Tx{s: s, t: tx}, e); err != nil {
			return fmt.Errorf("mail the owner of endpoint %d: %w", id, err)
		}
	}
	return nil
}

// ListAttempts lists delivery attempts, newest first, of endpoints p sees.
func (s *Store) ListAttempts(ctx context.Context, p mercato.Principal, f AttemptFilter, page Page) ([]syndication.Attempt, int64, error) {
	q := &query{}
	// The event and the delivery may have been pruned before the attempt
	// (internal/retention): then the log shows the attempt alone.
	q.add("SELECT a.id, a.delivery_id, a.endpoint_id, a.event_id, a.attempted_at, a.status_code, a.latency_us, a.error, a.response_excerpt," +
		" COALESCE(ev.entity, ''), COALESCE(ev.entity_id, 0), COALESCE(ev.type, ''), ev.occurred_at, COALESCE(ev.metadata, '{}')," +
		" COALESCE(d.attempts, 0), CASE WHEN d.status = 'pending' THEN d.next_attempt_at ELSE 0 END" +
		" FROM delivery_attempts a JOIN webhook_endpoints e ON e.id = a.endpoint_id" +
		" LEFT JOIN events ev ON ev.id = a.event_id LEFT JOIN deliveries d ON d.id = a.delivery_id WHERE ")
	endpointScope(q, p)
	if f.EndpointID != 0 {
		q.add(" AND a.endpoint_id = %a", f.EndpointID)
	}
	if f.EventID != 0 {
		q.add(" AND a.event_id = %a", f.EventID)
	}
	if page.After > 0 {
		q.add(" AND a.id < %a", page.After)
	}
	q.add(" ORDER BY a.id DESC LIMIT %a", page.Size()+1)
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list attempts: %w", err)
	}
	defer rows.Close()
	var out []syndication.Attempt
	for rows.Next() {
		var a syndication.Attempt
		var us, next int64
		var occurred sql.NullTime
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.EndpointID, &a.EventID, &a.AttemptedAt, &a.StatusCode, &us, &a.Error, &a.Response,
			&a.Event.Entity, &a.Event.EntityID, &a.Event.Type, &occurred, jsonColumn{&a.Event.Metadata}, &a.Tries, &next); err != nil {
			return nil, 0, fmt.Errorf("scan attempt: %w", err)
		}
		a.Latency, a.AttemptedAt = time.Duration(us)*time.Microsecond, a.AttemptedAt.UTC()
		a.Event.ID, a.Event.OccurredAt, a.NextTry = a.EventID, occurred.Time.UTC(), fromMicros(next)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list attempts: %w", err)
	}
	items, next := trim(out, page, func(a syndication.Attempt) int64 { return a.ID })
	return items, next, nil
}

// DeliveryCounts reports, for tests and health pages, how many deliveries
// are pending and delivered (internal/webhooks decides who reads them).
func (s *Store) DeliveryCounts(ctx context.Context) (pending, delivered int64, err error) {
	err = s.rd().QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN status = 'pending' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END), 0) FROM deliveries`).Scan(&pending, &delivered)
	if err != nil {
		err = fmt.Errorf("delivery counts: %w", err)
	}
	return pending, delivered, err
}

// DeliveryBacklog reports how many deliveries wait and when the oldest of
// them became due (zero when none waits), for the queue metrics.
func (s *Store) DeliveryBacklog(ctx context.Context) (int64, time.Time, error) {
	var n, oldest int64
	err := s.rd().QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(next_attempt_at), 0) FROM deliveries WHERE status = 'pending'`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("delivery backlog: %w", err)
	}
	return n, fromMicros(oldest), nil
}
