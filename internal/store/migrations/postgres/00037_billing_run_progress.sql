-- +goose Up
-- A billing run started by hand is a background job: it records its
-- progress after every chunk (customers billed out of those to bill), and
-- only one run holds the lease at a time. Runs left "running" by an older
-- version (a crash) are failed, all but the newest, which the next run
-- takes over once its lease runs out.
ALTER TABLE billing_runs ADD COLUMN customers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_runs ADD COLUMN customers_done INTEGER NOT NULL DEFAULT 0;
UPDATE billing_runs SET status = 'failed', error = 'its process stopped before it finished; a later run took over',
    finished_at = COALESCE(lease_until, started_at)
    WHERE status = 'running' AND id < (SELECT MAX(id) FROM billing_runs WHERE status = 'running');
CREATE UNIQUE INDEX billing_runs_one_running ON billing_runs (status) WHERE status = 'running';

-- +goose Down
DROP INDEX billing_runs_one_running;
ALTER TABLE billing_runs DROP COLUMN customers_done;
ALTER TABLE billing_runs DROP COLUMN customers;
