package store

import (
	"context"
)

// AcknowledgedUndeploys returns, of the subscriptions ids (every one when
// ids is empty), those in UNDEPLOY_SENT whose DELETED event was delivered
// (a 2xx answer) to an endpoint owned by the product's vendor: the
// vendor's acknowledgement that it deprovisioned (lifecycle decides what
// follows). Without ids it reads the UNDEPLOY_SENT subscriptions through
// a partial index, so the periodic sweep costs what is terminating, not
// what exists.
func (s *Store) AcknowledgedUndeploys(ctx context.Context, ids []int64) ([]int64, error) {
	q := &query{}
	q.add(`SELECT s.id FROM subscriptions s JOIN products p ON p.id = s.product_id
		WHERE s.deployment_status = 'UNDEPLOY_SENT'`)
	if len(ids) > 0 {
		q.add(" AND s.id IN ")
		q.ids(ids)
	}
	q.add(` AND EXISTS (SELECT 1 FROM events e
			JOIN deliveries d ON d.event_id = e.id
			JOIN webhook_endpoints w ON w.id = d.endpoint_id
			WHERE e.entity = 'Subscription' AND e.entity_id = s.id AND e.type = 'DELETED'
			AND d.status = 'delivered' AND d.last_status BETWEEN 200 AND 299 AND w.owner_id = p.vendor_id)
		ORDER BY s.id`)
	return s.ids(ctx, "acknowledged undeploys", q.String(), q.args...)
}
