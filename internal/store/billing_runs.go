package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
)

// ListBillingRuns lists the latest billing runs, newest first (the platform
// only).
func (s *Store) ListBillingRuns(ctx context.Context, p mercato.Principal, limit int) ([]BillingRun, error) {
	if !p.IsPlatform() {
		return nil, mercato.Errorf(mercato.EFORBIDDEN, "only the platform sees billing runs")
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT id, period, as_of, status, subscriptions, invoices, lines, renewed, ended, error, started_at, finished_at
		FROM billing_runs ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("billing runs: %w", err)
	}
	defer rows.Close()
	var out []BillingRun
	for rows.Next() {
		var (
			run BillingRun
			fin sql.NullTime
		)
		if err := rows.Scan(&run.ID, &run.Period, &run.AsOf, &run.Status, &run.Subscriptions, &run.Invoices, &run.Lines, &run.Renewed, &run.Ended,
			&run.Error, &run.StartedAt, &fin); err != nil {
			return nil, fmt.Errorf("scan billing run: %w", err)
		}
		run.AsOf, run.StartedAt = run.AsOf.UTC(), run.StartedAt.UTC()
		if fin.Valid {
			t := fin.Time.UTC()
			run.FinishedAt = &t
		}
		out = append(out, run)
	}
	return out, rows.Err()
}
