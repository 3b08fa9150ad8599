-- +goose Up
-- A running billing run holds a lease it renews after every chunk; a run
-- whose lease ran out (its process was killed) is marked abandoned by the
-- next run, which takes over (charge keys make the rest idempotent).
ALTER TABLE billing_runs ADD COLUMN lease_until TIMESTAMPTZ;

-- +goose Down
ALTER TABLE billing_runs DROP COLUMN lease_until;
