package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/internal/syndication"
)

// TestSubject returns the subscription a test event to endpoint e names:
// the newest subscription of the products e receives events of (its
// product; its vendor's products; every product for a platform endpoint),
// so that a vendor's handler can fetch what the event points at. found is
// false when there is none yet.
func (s *Store) TestSubject(ctx context.Context, e syndication.Endpoint) (id int64, found bool, err error) {
	q := &query{}
	q.add("SELECT s.id FROM subscriptions s JOIN products p ON p.id = s.product_id WHERE ")
	if e.ProductID != nil {
		q.add("s.product_id = %a", *e.ProductID)
	} else {
		q.add("(p.vendor_id = %a OR EXISTS (SELECT 1 FROM organizations o WHERE o.id = %a AND o.kind = 'platform'))", e.OwnerID, e.OwnerID)
	}
	q.add(" ORDER BY s.id DESC LIMIT 1")
	err = s.rd().QueryRowContext(ctx, q.String(), q.args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("test event subject: %w", err)
	}
	return id, true, nil
}
