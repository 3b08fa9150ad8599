package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/usage"
)

// Polling support, for internal/metering. These run as the system, not on
// a caller's behalf.

// MeteredProducts returns the products with a live (DEPLOYED or STOPPED)
// subscription whose integration metadata sets one of keys to a non-empty
// value (a key ending in "." stands for every key it prefixes).
func (s *Store) MeteredProducts(ctx context.Context, keys []string) ([]catalog.Product, error) {
	q := &query{}
	q.add("SELECT " + productColumns + " FROM products p WHERE EXISTS (SELECT 1 FROM subscriptions s WHERE s.product_id = p.id AND s.deployment_status IN ('DEPLOYED','STOPPED')) AND (FALSE")
	for _, k := range keys {
		q.add(" OR CAST(p.metadata AS TEXT) LIKE %a", "%"+k+"%")
	}
	q.add(") ORDER BY p.id")
	rows, err := s.rd().QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, fmt.Errorf("metered products: %w", err)
	}
	defer rows.Close()
	var out []catalog.Product
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, fmt.Errorf("scan product: %w", err)
		}
		if hasMetadataKey(p.Metadata, keys) {
			out = append(out, p)
		}
	}
	return out, rows.Err()
}

// ClaimUsagePoll claims the poll of a product's window for lease: true
// when this caller is to poll it. A window is polled once; a claim whose
// lease ran out before it was finished (its process died) is taken again.
func (s *Store) ClaimUsagePoll(ctx context.Context, productID int64, window time.Time, lease time.Duration) (bool, error) {
	now := s.now()
	window = usage.Time(window)
	res, err := s.db.ExecContext(ctx, `INSERT INTO usage_polls (product_id, window_start, locked_until) VALUES ($1,$2,$3) ON CONFLICT (product_id, window_start) DO NOTHING`,
		productID, window, micros(now.Add(lease)))
	if err != nil {
		return false, fmt.Errorf("claim usage poll: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	res, err = s.db.ExecContext(ctx, `UPDATE usage_polls SET locked_until = $1 WHERE product_id = $2 AND window_start = $3 AND finished_at IS NULL AND locked_until < $4`,
		micros(now.Add(lease)), productID, window, micros(now))
	if err != nil {
		return false, fmt.Errorf("reclaim usage poll: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// FinishUsagePoll records how a claimed poll went.
func (s *Store) FinishUsagePoll(ctx context.Context, productID int64, window time.Time, polled, failed int, lastErr string) error {
	if len(lastErr) > 1024 {
		lastErr = lastErr[:1024]
	}
	_, err := s.db.ExecContext(ctx, `UPDATE usage_polls SET finished_at = $1, polled = $2, failed = $3, last_error = $4 WHERE product_id = $5 AND window_start = $6`,
		s.now(), polled, failed, strings.ToValidUTF8(lastErr, "?"), productID, usage.Time(window))
	if err != nil {
		return fmt.Errorf("finish usage poll: %w", err)
	}
	return nil
}

// PollWindow is the record of one product's poll window.
type PollWindow struct {
	ProductID      int64
	WindowStart    time.Time
	Finished       bool
	Polled, Failed int
	LastError      string
}

// UsagePolls lists a product's poll windows, oldest first.
func (s *Store) UsagePolls(ctx context.Context, productID int64) ([]PollWindow, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT product_id, window_start, finished_at, polled, failed, last_error FROM usage_polls WHERE product_id = $1 ORDER BY window_start`, productID)
	if err != nil {
		return nil, fmt.Errorf("usage polls: %w", err)
	}
	defer rows.Close()
	var out []PollWindow
	for rows.Next() {
		var p PollWindow
		var fin sql.NullTime
		if err := rows.Scan(&p.ProductID, &p.WindowStart, &fin, &p.Polled, &p.Failed, &p.LastError); err != nil {
			return nil, err
		}
		p.WindowStart, p.Finished = p.WindowStart.UTC(), fin.Valid
		out = append(out, p)
	}
	return out, rows.Err()
}

// PolledSubscription is a live subscription of a metered product with its
// plan's metrics.
type PolledSubscription struct {
	ID      int64
	Metrics []pricing.Metric
}

// PollableSubscriptions lists the DEPLOYED and STOPPED subscriptions of a
// product with their plans' metrics.
func (s *Store) PollableSubscriptions(ctx context.Context, productID int64) ([]PolledSubscription, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT s.id, pl.pricing FROM subscriptions s JOIN plans pl ON pl.id = s.plan_id
		WHERE s.product_id = $1 AND s.deployment_status IN ('DEPLOYED','STOPPED') ORDER BY s.id`, productID)
	if err != nil {
		return nil, fmt.Errorf("pollable subscriptions: %w", err)
	}
	defer rows.Close()
	var out []PolledSubscription
	for rows.Next() {
		var ps PolledSubscription
		var pr pricing.Pricing
		if err := rows.Scan(&ps.ID, jsonColumn{&pr}); err != nil {
			return nil, fmt.Errorf("scan subscription: %w", err)
		}
		ps.Metrics = pr.Normalize().Metrics
		out = append(out, ps)
	}
	return out, rows.Err()
}

// hasMetadataKey reports whether meta sets one of keys to a non-blank
// value; a key ending in "." stands for every key it prefixes.
func hasMetadataKey(meta map[string]string, keys []string) bool {
	for k, v := range meta {
		if strings.TrimSpace(v) == "" {
			continue
		}
		for _, want := range keys {
			if k == want || (strings.HasSuffix(want, ".") && strings.HasPrefix(k, want)) {
				return true
			}
		}
	}
	return false
}
