-- +goose Up
-- A pushed usage record can be voided (by the product's vendor or the
-- platform) until its period's usage is charged: it is kept, marked, and
-- no longer aggregated.
ALTER TABLE usage_records ADD COLUMN voided_at TIMESTAMP;
ALTER TABLE usage_records ADD COLUMN voided_by INTEGER; -- the organization (SQLite cannot drop a column a foreign key names)
ALTER TABLE usage_records ADD COLUMN void_reason TEXT NOT NULL DEFAULT '';

-- A termination asked for outside a commitment's cancellation window is
-- scheduled for the end of the term: the subscription then ends instead
-- of renewing, unless the termination is cancelled before.
ALTER TABLE subscriptions ADD COLUMN terminate_at TIMESTAMP;

-- The end of the term whose renewal notice (a price that changed since
-- the subscription was sold, announced before the renewal applies it)
-- was sent, so that a term is announced once.
ALTER TABLE subscriptions ADD COLUMN renewal_notice_for TIMESTAMP;

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN renewal_notice_for;
ALTER TABLE subscriptions DROP COLUMN terminate_at;
ALTER TABLE usage_records DROP COLUMN void_reason;
ALTER TABLE usage_records DROP COLUMN voided_by;
ALTER TABLE usage_records DROP COLUMN voided_at;
