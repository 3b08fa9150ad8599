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
// run.LeaseUntil, and sets its id. Only one run holds the lease at a time:
// while another "running" run's lease holds, it answers a conflict
// wrapping *billing.Running, which names that run. Runs still "running"
// whose lease ran out (their process died) are marked failed first,
// naming this run, which takes over their work; their ids are returned.
func (s *Store) StartBillingRun(ctx context.Context, run *billing.Run) (abandoned []int64, err error) {
	now := s.now()
	var holder *billing.Run
	err = s.tx(ctx, func(tx *txn) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, CASE WHEN lease_until < $1 OR (lease_until IS NULL AND started_at < $2) THEN 1 ELSE 0 END FROM billing_runs WHERE status = 'running' ORDER BY id`,
			now, now.Add(-time.Hour))
		if err != nil {
			return err
		}
		var live []int64
		for rows.Next() {
			var (
				id      int64
				expired int
			)
			if err := rows.Scan(&id, &expired); err != nil {
				rows.Close()
				return err
			}
			if expired == 1 {
				abandoned = append(abandoned, id)
			} else {
				live = append(live, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(live) > 0 {
			r, err := s.billingRun(ctx, tx, live[0])
			if err != nil {
				return err
			}
			holder = &r
			return nil
		}
		// The abandoned runs leave "running" before this one enters it
		// (billing_runs_one_running), then name it.
		for _, id := range abandoned {
			if _, err := tx.ExecContext(ctx, `UPDATE billing_runs SET status = 'failed', finished_at = $1 WHERE id = $2 AND status = 'running'`, now, id); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO billing_runs (period, as_of, status, started_at, lease_until) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
			run.Period, run.AsOf, run.Status, run.StartedAt, run.LeaseUntil).Scan(&run.ID); err != nil {
			return err
		}
		for _, id := range abandoned {
			if _, err := tx.ExecContext(ctx, `UPDATE billing_runs SET error = $1 WHERE id = $2`,
				fmt.Sprintf("its process stopped before it finished; run %d took over", run.ID), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && isUniqueViolation(err) {
		// Another run started in the same moment (PostgreSQL: its insert
		// committed while this one waited on the index).
		var r billing.Run
		if qerr := s.rd().QueryRowContext(ctx, `SELECT id FROM billing_runs WHERE status = 'running'`).Scan(&r.ID); qerr == nil {
			if r, qerr = s.billingRun(ctx, s.rd(), r.ID); qerr == nil {
				holder = &r
				err = nil
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("start billing run: %w", err)
	}
	if holder != nil {
		running := &billing.Running{Run: *holder}
		return nil, &mercato.Error{Code: mercato.ECONFLICT, Message: running.Error(), Err: running}
	}
	return abandoned, nil
}

// RenewBillingRun records a running run's progress (its counts so far) and
// extends its lease to run.LeaseUntil. A run that no longer holds the
// lease (another took over, its own having run out) gets a conflict: it
// must stop.
func (s *Store) RenewBillingRun(ctx context.Context, run billing.Run) error {
	res, err := s.rd().ExecContext(ctx, `UPDATE billing_runs SET lease_until = $1, customers = $2, customers_done = $3, subscriptions = $4, invoices = $5, lines = $6,
		renewed = $7, ended = $8, skipped = $9 WHERE id = $10 AND status = 'running'`,
		run.LeaseUntil, run.Customers, run.CustomersDone, run.Subscriptions, run.Invoices, run.Lines, run.Renewed, run.Ended, run.Skipped, run.ID)
	if err != nil {
		return fmt.Errorf("renew billing run %d: %w", run.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("renew billing run %d: %w", run.ID, err)
	} else if n == 0 {
		return mercato.Errorf(mercato.ECONFLICT, "billing run %d lost its lease: another run took over", run.ID)
	}
	return nil
}

// FinishBillingRun records how a run ended, with the subscriptions it
// skipped.
func (s *Store) FinishBillingRun(ctx context.Context, run billing.Run) error {
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE billing_runs SET status=$1, subscriptions=$2, invoices=$3, lines=$4, renewed=$5, ended=$6, skipped=$7, error=$8, finished_at=$9,
			customers=$10, customers_done=$11 WHERE id=$12`,
			run.Status, run.Subscriptions, run.Invoices, run.Lines, run.Renewed, run.Ended, run.Skipped, run.Error, run.FinishedAt, run.Customers, run.CustomersDone, run.ID); err != nil {
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

// BillingRun returns one run with its progress, and what it skipped once
// it has finished.
func (s *Store) BillingRun(ctx context.Context, id int64) (billing.Run, error) {
	run, err := s.billingRun(ctx, s.rd(), id)
	if err != nil {
		return run, err
	}
	if run.Status != "running" {
		if run.Skips, err = s.BillingRunSkips(ctx, id); err != nil {
			return run, err
		}
	}
	return run, nil
}

func (s *Store) billingRun(ctx context.Context, db queryer, id int64) (billing.Run, error) {
	run, err := scanBillingRun(db.QueryRowContext(ctx, `SELECT `+billingRunColumns+` FROM billing_runs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return run, mercato.NotFound("billing run", id)
	}
	if err != nil {
		return run, fmt.Errorf("billing run %d: %w", id, err)
	}
	return run, nil
}

const billingRunColumns = `id, period, as_of, status, subscriptions, invoices, lines, renewed, ended, skipped, error, started_at, finished_at, lease_until, customers, customers_done`

func scanBillingRun(row interface{ Scan(...any) error }) (billing.Run, error) {
	var (
		run        billing.Run
		fin, lease sql.NullTime
	)
	if err := row.Scan(&run.ID, &run.Period, &run.AsOf, &run.Status, &run.Subscriptions, &run.Invoices, &run.Lines, &run.Renewed, &run.Ended,
		&run.Skipped, &run.Error, &run.StartedAt, &fin, &lease, &run.Customers, &run.CustomersDone); err != nil {
		return run, err
	}
	run.AsOf, run.StartedAt = run.AsOf.UTC(), run.StartedAt.UTC()
	if fin.Valid {
		t := fin.Time.UTC()
		run.FinishedAt = &t
	}
	if lease.Valid {
		run.LeaseUntil = lease.Time.UTC()
	}
	return run, nil
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

// CountCustomersToBill is how many customers have subscriptions: those a
// run bills, in chunks, after its renewals.
func (s *Store) CountCustomersToBill(ctx context.Context) (int, error) {
	var n int
	if err := s.rd().QueryRowContext(ctx, `SELECT COUNT(DISTINCT customer_id) FROM subscriptions`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count customers to bill: %w", err)
	}
	return n, nil
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
	rows, err := s.rd().QueryContext(ctx, `SELECT `+billingRunColumns+` FROM billing_runs ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("billing runs: %w", err)
	}
	defer rows.Close()
	var out []billing.Run
	for rows.Next() {
		run, err := scanBillingRun(rows)
		if err != nil {
			return nil, fmt.Errorf("scan billing run: %w", err)
		}
		out = append(out, run)
	}
	return out, rows.Err()
}
