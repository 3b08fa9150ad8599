package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/webhooks"
)

// Deliveries returns where each endpoint's deliveries stand: how many
// wait, when the first of them is next tried, and the last attempt.
func (s *Store) Deliveries(ctx context.Context) (map[int64]webhooks.Delivery, error) {
	out := map[int64]webhooks.Delivery{}
	c := s.rd()
	err := each(ctx, c, `SELECT endpoint_id, COUNT(*), MIN(next_attempt_at) FROM deliveries WHERE status = 'pending' GROUP BY endpoint_id`, nil,
		func(r *sql.Rows) error {
			var (
				id, n, next int64
			)
			if err := r.Scan(&id, &n, &next); err != nil {
				return err
			}
			d := out[id]
			d.Pending, d.NextAttempt = n, fromMicros(next)
			out[id] = d
			return nil
		})
	if err == nil {
		err = each(ctx, c, `SELECT a.id, a.delivery_id, a.endpoint_id, a.event_id, a.attempted_at, a.status_code, a.latency_us, a.error, a.response_excerpt
			FROM delivery_attempts a WHERE a.id IN (SELECT MAX(id) FROM delivery_attempts GROUP BY endpoint_id)`, nil,
			func(r *sql.Rows) error {
				d := webhooks.Delivery{}
				var us int64
				a := &d.Last
				if err := r.Scan(&a.ID, &a.DeliveryID, &a.EndpointID, &a.EventID, &a.AttemptedAt, &a.StatusCode, &us, &a.Error, &a.Response); err != nil {
					return err
				}
				a.AttemptedAt, a.Latency = a.AttemptedAt.UTC(), time.Duration(us)*time.Microsecond
				prev := out[a.EndpointID]
				prev.Last = d.Last
				out[a.EndpointID] = prev
				return nil
			})
	}
	if err != nil {
		return nil, fmt.Errorf("endpoint deliveries: %w", err)
	}
	return out, nil
}
