-- +goose Up
-- The operator's reminder days beside its dunning settings: how many days
-- before a subscription renews by itself, and before a trial ends, its
-- customer is told by e-mail (0: never). NULL: serve's --mail-renewal-days
-- and --mail-trial-days.
ALTER TABLE dunning_settings ADD COLUMN renewal_reminder_days INTEGER;
ALTER TABLE dunning_settings ADD COLUMN trial_reminder_days INTEGER;

-- +goose Down
ALTER TABLE dunning_settings DROP COLUMN trial_reminder_days;
ALTER TABLE dunning_settings DROP COLUMN renewal_reminder_days;
