package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
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

// endpointScope: the platform sees every endpoint, anyone else its own.
func endpointScope(q *query, p mercato.Principal) {
	if p.IsPlatform() {
		q.add("TRUE")
		return
	}
	q.add("e.owner_id = %a", p.OrgID)
}

// CreateEndpoint saves a webhook endpoint. A vendor creates its own, for
// one of its products or (ProductID nil) all of them; the platform creates
// platform-wide ones (every event) or any vendor's. The URL must have been
// checked against the URL policy by the caller.
func (s *Store) CreateEndpoint(ctx context.Context, p mercato.Principal, e syndication.Endpoint) (syndication.Endpoint, error) {
	if err := syndication.ValidateEvents(e.Events); err != nil {
		return e, err
	}
	if e.OwnerID == 0 {
		e.OwnerID = p.OrgID
	}
	ring, err := s.keyring(ctx)
	if err != nil {
		return e, err
	}
	err = s.tx(ctx, func(tx *txn) error {
		if e.ProductID != nil {
			// An unseen product is not found before anything else is said.
			prod, err := s.ownProduct(ctx, tx, p, *e.ProductID)
			if err != nil {
				return err
			}
			e.OwnerID = prod.VendorID
		}
		if p.OrgKind != mercato.KindVendor && !p.IsPlatform() {
			return mercato.Errorf(mercato.EFORBIDDEN, "only vendors and the platform receive webhooks")
		}
		owner, err := s.organization(ctx, tx, p, e.OwnerID)
		if err != nil || (owner.Kind != mercato.KindVendor && owner.Kind != mercato.KindPlatform) {
			return mercato.Invalid("invalid endpoint", mercato.FieldError{Path: "owner_id", Message: "no such vendor", Value: e.OwnerID})
		}
		now := s.now()
		e.CreatedAt, e.UpdatedAt, e.Enabled = now, now, true
		if err := tx.QueryRowContext(ctx, `INSERT INTO webhook_endpoints (owner_id, product_id, url, events, enabled, secret, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, e.OwnerID, e.ProductID, e.URL, syndication.FilterText(e.Events), true,
			sealText(ring, e.Secret, webhookSecretContext), now, now).Scan(&e.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "endpoint.create", "webhook_endpoint", e.ID, map[string]any{"url": e.URL, "product_id": e.ProductID, "events": e.Events})
	})
	if err != nil {
		return e, fmt.Errorf("create endpoint: %w", err)
	}
	return e, nil
}

// EndpointFilter narrows a list of endpoints.
type EndpointFilter struct {
	ProductID int64
}

// ListEndpoints lists the endpoints p owns (all of them for the platform).
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

// Endpoint returns one endpoint p owns.
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

// EndpointUpdate holds the fields a PATCH may change. NewSecret, when set,
// rotates the secret: the old one keeps signing for Grace.
type EndpointUpdate struct {
	URL       *string
	Events    *[]string
	Enabled   *bool
	NewSecret string
	Grace     time.Duration
}

// UpdateEndpoint changes an endpoint. Enabling a disabled endpoint makes
// everything that waited for it due at once.
func (s *Store) UpdateEndpoint(ctx context.Context, p mercato.Principal, id int64, u EndpointUpdate) (syndication.Endpoint, error) {
	var e syndication.Endpoint
	ring, err := s.keyring(ctx)
	if err != nil {
		return e, err
	}
	err = s.tx(ctx, func(tx *txn) error {
		var err error
		if e, err = s.endpoint(ctx, tx, p, id); err != nil {
			return err
		}
		if u.Events != nil {
			if err := syndication.ValidateEvents(*u.Events); err != nil {
				return err
			}
		}
		wasEnabled := e.Enabled
		set(&e.URL, u.URL)
		set(&e.Events, u.Events)
		set(&e.Enabled, u.Enabled)
		now := s.now()
		if u.NewSecret != "" {
			e.PreviousSecret, e.PreviousUntil, e.Secret = e.Secret, now.Add(u.Grace), u.NewSecret
		}
		if e.Enabled && !wasEnabled {
			e.DisabledReason, e.FailingSince = "", time.Time{}
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET next_attempt_at = $1, attempts = 0 WHERE endpoint_id = $2 AND status = 'pending'`, micros(now), id); err != nil {
				return err
			}
		}
		if !e.Enabled && wasEnabled && e.DisabledReason == "" {
			e.DisabledReason = "disabled by its owner"
		}
		e.UpdatedAt = now
		_, err = tx.ExecContext(ctx, `UPDATE webhook_endpoints SET url=$1, events=$2, enabled=$3, disabled_reason=$4, secret=$5, previous_secret=$6,
			previous_secret_until=$7, failing_since=$8, updated_at=$9 WHERE id=$10`,
			e.URL, syndication.FilterText(e.Events), e.Enabled, e.DisabledReason, sealText(ring, e.Secret, webhookSecretContext),
			sealText(ring, e.PreviousSecret, webhookSecretContext), micros(e.PreviousUntil), micros(e.FailingSince), now, id)
		if err != nil {
			return err
		}
		action, details := "endpoint.update", map[string]any{"url": e.URL, "events": e.Events, "enabled": e.Enabled}
		if u.NewSecret != "" {
			action, details = "endpoint.rotate_secret", map[string]any{"previous_valid_until": e.PreviousUntil}
		}
		return s.audit(ctx, tx, p, action, "webhook_endpoint", id, details)
	})
	if err != nil {
		return e, fmt.Errorf("update endpoint %d: %w", id, err)
	}
	return e, nil
}

// DeleteEndpoint removes an endpoint and what was owed to it.
func (s *Store) DeleteEndpoint(ctx context.Context, p mercato.Principal, id int64) error {
	return s.tx(ctx, func(tx *txn) error {
		if _, err := s.endpoint(ctx, tx, p, id); err != nil {
			return err
		}
		for _, stmt := range []string{
			`DELETE FROM delivery_attempts WHERE endpoint_id = $1`,
			`DELETE FROM deliveries WHERE endpoint_id = $1`,
			`DELETE FROM webhook_endpoints WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
				return fmt.Errorf("delete endpoint %d: %w", id, err)
			}
		}
		return s.audit(ctx, tx, p, "endpoint.delete", "webhook_endpoint", id, nil)
	})
}

// fanOut creates, in the transaction that records an event, a delivery
// for every endpoint that wants it: the platform's endpoints get every
// event; a vendor's vendor-wide endpoints get the events of its products,
// plans and users; a product's endpoints get that product's subscription
// events. Disabled endpoints get theirs too, to send once enabled again.
func (s *Store) fanOut(ctx context.Context, db queryer, eventID int64, entity string, entityID int64, typ string, now time.Time) error {
	var vendorID, productID sql.NullInt64
	var err error
	switch entity {
	case subscription.EntitySubscription:
		err = db.QueryRowContext(ctx, `SELECT p.vendor_id, p.id FROM subscriptions s JOIN products p ON p.id = s.product_id WHERE s.id = $1`, entityID).Scan(&vendorID, &productID)
	case subscription.EntityProductVersion:
		err = db.QueryRowContext(ctx, `SELECT p.vendor_id FROM plans pl JOIN products p ON p.id = pl.product_id WHERE pl.id = $1`, entityID).Scan(&vendorID)
	case subscription.EntityUser:
		err = db.QueryRowContext(ctx, `SELECT u.organization_id FROM users u WHERE u.id = $1`, entityID).Scan(&vendorID)
	}
	if err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("fan out %s %d: %w", entity, entityID, err)
	}
	_, err = db.ExecContext(ctx, `INSERT INTO deliveries (event_id, endpoint_id, ordering_key, next_attempt_at, created_at)
		SELECT $1, e.id, $2, $3, $4 FROM webhook_endpoints e JOIN organizations o ON o.id = e.owner_id
		WHERE (e.events = '' OR e.events LIKE $5 OR e.events LIKE $6)
		  AND ((o.kind = 'platform' AND e.product_id IS NULL)
		    OR (e.owner_id = $7 AND (e.product_id IS NULL OR e.product_id = $8)))`,
		eventID, entity+"/"+fmt.Sprint(entityID), micros(now), now,
		"%,"+entity+",%", "%,"+entity+"."+typ+",%", vendorID.Int64, productID.Int64)
	if err != nil {
		return fmt.Errorf("fan out event %d: %w", eventID, err)
	}
	return nil
}

// Attempt is the record of one try to deliver.
type Attempt struct {
	ID          int64
	DeliveryID  int64
	EndpointID  int64
	EventID     int64
	AttemptedAt time.Time
	StatusCode  int // 0 when no answer came
	Latency     time.Duration
	Error       string
	Response    string // the first KiB of the answer
}

// Result is what happened to a claimed delivery, decided by the dispatcher.
type Result struct {
	Attempt   Attempt
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
	return nil
}

// AttemptFilter narrows the delivery log.
type AttemptFilter struct {
	EndpointID int64
	EventID    int64
}

// ListAttempts lists delivery attempts, newest first, of endpoints p owns.
func (s *Store) ListAttempts(ctx context.Context, p mercato.Principal, f AttemptFilter, page Page) ([]Attempt, int64, error) {
	q := &query{}
	q.add("SELECT a.id, a.delivery_id, a.endpoint_id, a.event_id, a.attempted_at, a.status_code, a.latency_us, a.error, a.response_excerpt FROM delivery_attempts a JOIN webhook_endpoints e ON e.id = a.endpoint_id WHERE ")
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
	var out []Attempt
	for rows.Next() {
		var a Attempt
		var us int64
		if err := rows.Scan(&a.ID, &a.DeliveryID, &a.EndpointID, &a.EventID, &a.AttemptedAt, &a.StatusCode, &us, &a.Error, &a.Response); err != nil {
			return nil, 0, fmt.Errorf("scan attempt: %w", err)
		}
		a.Latency, a.AttemptedAt = time.Duration(us)*time.Microsecond, a.AttemptedAt.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list attempts: %w", err)
	}
	items, next := trim(out, page, func(a Attempt) int64 { return a.ID })
	return items, next, nil
}

// Replay makes events due again at an endpoint p owns: one event
// (eventID), or every event of a time range [from, to). Deliveries keep
// their webhook-id; events the endpoint never had are not created anew.
func (s *Store) Replay(ctx context.Context, p mercato.Principal, endpointID, eventID int64, from, to time.Time) (int64, error) {
	var n int64
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := s.endpoint(ctx, tx, p, endpointID); err != nil {
			return err
		}
		q := &query{}
		q.add("UPDATE deliveries SET status = 'pending', next_attempt_at = %a, locked_until = 0 WHERE endpoint_id = %a", micros(s.now()), endpointID)
		if eventID != 0 {
			q.add(" AND event_id = %a", eventID)
		} else {
			q.add(" AND created_at >= %a AND created_at < %a", from.UTC(), to.UTC())
		}
		res, err := tx.ExecContext(ctx, q.String(), q.args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("replay: %w", err)
	}
	if n == 0 && eventID != 0 {
		return 0, mercato.Errorf(mercato.ENOTFOUND, "event %d was never sent to endpoint %d", eventID, endpointID)
	}
	if n > 0 {
		s.signal()
	}
	return n, nil
}

// Notification is a message to an organization from the platform.
type Notification struct {
	ID        int64
	Kind      string
	Message   string
	CreatedAt time.Time
}

// ListNotifications lists the caller's organization's notifications, newest first.
func (s *Store) ListNotifications(ctx context.Context, p mercato.Principal) ([]Notification, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT id, kind, message, created_at FROM notifications WHERE organization_id = $1 ORDER BY id DESC LIMIT 200`, p.OrgID)
	if err != nil {
		return nil, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		var n Notification
		if err := rows.Scan(&n.ID, &n.Kind, &n.Message, &n.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan notification: %w", err)
		}
		n.CreatedAt = n.CreatedAt.UTC()
		out = append(out, n)
	}
	return out, rows.Err()
}

// DeliveryCounts reports, for tests and health pages, how many deliveries
// are pending and delivered.
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
