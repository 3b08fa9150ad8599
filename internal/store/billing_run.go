package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The reads and bookkeeping of billing runs outside their transactions
// (internal/billingrun decides what to do with them).

// Clock is the store's clock (UTC, microsecond precision).
func (s *Store) Clock() time.Time { return s.now() }

// SystemPrincipal is the platform acting in scheduled work.
func (s *Store) SystemPrincipal(ctx context.Context) (mercato.Principal, error) {
	return s.systemPrincipal(ctx, s.rd())
}

// systemPrincipal acts for the platform in scheduled work.
func (s *Store) systemPrincipal(ctx context.Context, db queryer) (mercato.Principal, error) {
	p := mercato.Principal{OrgKind: mercato.KindPlatform, Role: mercato.RoleAdmin}
	if err := db.QueryRowContext(ctx, `SELECT id FROM organizations WHERE kind = 'platform' ORDER BY id LIMIT 1`).Scan(&p.OrgID); err != nil {
		return p, fmt.Errorf("platform organization: %w", err)
	}
	return p, nil
}

// OrganizationByID returns an organization, whoever may see it.
func (s *Store) OrganizationByID(ctx context.Context, id int64) (mercato.Organization, error) {
	return s.orgByID(ctx, s.rd(), id)
}

// SelfBillingResellers returns the resellers that invoice their customers
// themselves.
func (s *Store) SelfBillingResellers(ctx context.Context) (map[int64]bool, error) {
	out := map[int64]bool{}
	rows, err := s.rd().QueryContext(ctx, `SELECT organization_id FROM billing_profiles WHERE self_billing`)
	if err != nil {
		return nil, fmt.Errorf("billing profiles: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan billing profile: %w", err)
		}
		out[id] = true
	}
	return out, rows.Err()
}

// StartBillingRun records a run that starts, holding a lease until
// run.LeaseUntil, and sets its id. Runs still "running" whose lease ran out
// (their process died) are marked failed first, naming this run, which
// takes over their work; their ids are returned.
func (s *Store) StartBillingRun(ctx context.Context, run *billing.Run) (abandoned []int64, err error) {
	now := s.now()
	err = s.tx(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM billing_runs WHERE status = 'running' AND (lease_until < $1 OR (lease_until IS NULL AND started_at < $2)) ORDER BY id`,
			now, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			abandoned = append(abandoned, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO billing_runs (period, as_of, status, started_at, lease_until) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
			run.Period, run.AsOf, run.Status, run.StartedAt, run.LeaseUntil).Scan(&run.ID); err != nil {
			return err
		}
		for _, id := range abandoned {
			if _, err := tx.ExecContext(ctx, `UPDATE billing_runs SET status = 'failed', error = $1, finished_at = $2 WHERE id = $3 AND status = 'running'`,
				fmt.Sprintf("its process stopped before it finished; run %d took over", run.ID), now, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("start billing run: %w", err)
	}
	return abandoned, nil
}

// RenewBillingRun extends a running run's lease.
func (s *Store) RenewBillingRun(ctx context.Context, id int64, until time.Time) error {
	if _, err := s.rd().ExecContext(ctx, `UPDATE billing_runs SET lease_until = $1 WHERE id = $2 AND status = 'running'`, until, id); err != nil {
		return fmt.Errorf("renew billing run %d: %w", id, err)
	}
	return nil
}

// FinishBillingRun records how a run ended, with the subscriptions it
// skipped.
func (s *Store) FinishBillingRun(ctx context.Context, run billing.Run) error {
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE billing_runs SET status=$1, subscriptions=$2, invoices=$3, lines=$4, renewed=$5, ended=$6, skipped=$7, error=$8, finished_at=$9 WHERE id=$10`,
			run.Status, run.Subscriptions, run.Invoices, run.Lines, run.Renewed, run.Ended, run.Skipped, run.Error, run.FinishedAt, run.ID); err != nil {
			return err
		}
		for _, sk := range run.Skips {
			if _, err := tx.ExecContext(ctx, `INSERT INTO billing_run_skips (run_id, subscription_id, step, reason, created_at) VALUES ($1,$2,$3,$4,$5)`,
				run.ID, sk.SubscriptionID, sk.Step, sk.Reason, s.now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("finish billing run: %w", err)
	}
	return nil
}

// BillingRunSkips lists what a run could not charge, and why.
func (s *Store) BillingRunSkips(ctx context.Context, runID int64) ([]billing.Skip, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT subscription_id, step, reason FROM billing_run_skips WHERE run_id = $1 ORDER BY subscription_id, step`, runID)
	if err != nil {
		return nil, fmt.Errorf("billing run skips: %w", err)
	}
	defer rows.Close()
	var out []billing.Skip
	for rows.Next() {
		var sk billing.Skip
		if err := rows.Scan(&sk.SubscriptionID, &sk.Step, &sk.Reason); err != nil {
			return nil, fmt.Errorf("scan billing run skip: %w", err)
		}
		out = append(out, sk)
	}
	return out, rows.Err()
}

// CustomersToBill returns up to limit customers with subscriptions after
// the customer id after, in id order.
func (s *Store) CustomersToBill(ctx context.Context, after int64, limit int) ([]int64, error) {
	return s.ids(ctx, "customers to bill", `SELECT DISTINCT customer_id FROM subscriptions WHERE customer_id > $1 ORDER BY customer_id LIMIT $2`, after, limit)
}

// SubscriptionsToRenew returns the live subscriptions whose term is over at
// asOf.
func (s *Store) SubscriptionsToRenew(ctx context.Context, asOf time.Time) ([]int64, error) {
	return s.ids(ctx, "subscriptions to renew", `SELECT id FROM subscriptions WHERE end_date <= $1 AND deployment_status IN ('PENDING','POST_CONFIGURATION','DEPLOYED','STOPPED','FAILED') ORDER BY id`, asOf)
}

// RenewalNoticesDue lists the live auto-renewing paid subscriptions whose
// term ends in (from, to], with no termination scheduled and no renewal
// notice sent for that term.
func (s *Store) RenewalNoticesDue(ctx context.Context, from, to time.Time) ([]int64, error) {
	return s.ids(ctx, "renewal notices due", `SELECT id FROM subscriptions WHERE end_date > $1 AND end_date <= $2 AND deployment_status IN ('DEPLOYED','STOPPED')
		AND auto_renew AND type = 'NORMAL' AND terminate_at IS NULL AND (renewal_notice_for IS NULL OR renewal_notice_for <> end_date) ORDER BY id`, from, to)
}

// SoldVersion is the version (JSON) a subscription's periods are charged
// at; "{}" when it has no schedule.
func (s *Store) SoldVersion(ctx context.Context, subID int64) (string, error) {
	var v string
	err := s.rd().QueryRowContext(ctx, `SELECT version FROM charge_schedules WHERE subscription_id = $1`, subID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "{}", nil
	}
	if err != nil {
		return "", fmt.Errorf("sold version of subscription %d: %w", subID, err)
	}
	return v, nil
}

// OverdueInvoices returns the issued invoices (not credit notes) due
// before asOf.
func (s *Store) OverdueInvoices(ctx context.Context, asOf time.Time) ([]int64, error) {
	return s.ids(ctx, "overdue invoices", `SELECT id FROM invoices WHERE status = 'issued' AND kind = 'invoice' AND NOT fully_credited AND due_at < $1 ORDER BY id`, asOf)
}

func (s *Store) ids(ctx context.Context, what, q string, args ...any) ([]int64, error) {
	rows, err := s.rd().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan %s: %w", what, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return ids, nil
}

// PlanByID returns a plan, live or retired.
func (s *Store) PlanByID(ctx context.Context, id int64) (catalog.Plan, error) {
	return s.planByID(ctx, s.rd(), id)
}

// ProductByID returns a product.
func (s *Store) ProductByID(ctx context.Context, id int64) (catalog.Product, error) {
	return s.productByID(ctx, s.rd(), id)
}

// BillingRuns lists the latest billing runs, newest first.
func (s *Store) BillingRuns(ctx context.Context, limit int) ([]billing.Run, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT id, period, as_of, status, subscriptions, invoices, lines, renewed, ended, skipped, error, started_at, finished_at
		FROM billing_runs ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("billing runs: %w", err)
	}
	defer rows.Close()
	var out []billing.Run
	for rows.Next() {
		var (
			run billing.Run
			fin sql.NullTime
		)
		if err := rows.Scan(&run.ID, &run.Period, &run.AsOf, &run.Status, &run.Subscriptions, &run.Invoices, &run.Lines, &run.Renewed, &run.Ended,
			&run.Skipped, &run.Error, &run.StartedAt, &fin); err != nil {
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
