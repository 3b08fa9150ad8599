-- +goose Up
-- Why the operator rejected an order that needed its approval (lifecycle's
-- Reject: required, at most 500 characters), shown to the customer on the
-- subscription and in the e-mail that tells it; '' for every other one.
ALTER TABLE subscriptions ADD COLUMN rejection_reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN rejection_reason;
