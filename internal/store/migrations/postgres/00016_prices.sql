-- +goose Up
-- Price lists take Cloudesire's VALUE markup (an amount added to the
-- price bought at) beside percentage and fixed.
ALTER TABLE price_list_entries DROP CONSTRAINT price_list_entries_kind_check;
ALTER TABLE price_list_entries ADD CONSTRAINT price_list_entries_kind_check CHECK (kind IN ('percentage','fixed','value'));

-- A downgrade (fewer seats, a cheaper plan) takes effect when the period
-- already charged ends: the schedule keeps the version it will charge from
-- then, and from when, until it applies or is cancelled.
ALTER TABLE charge_schedules ADD COLUMN scheduled_version JSONB;
ALTER TABLE charge_schedules ADD COLUMN scheduled_from TIMESTAMPTZ;

-- +goose Down
ALTER TABLE charge_schedules DROP COLUMN scheduled_from;
ALTER TABLE charge_schedules DROP COLUMN scheduled_version;
-- A value markup has no equivalent in the older schema: going down
-- removes it, so that its plan sells at the price bought at.
DELETE FROM price_list_entries WHERE kind = 'value';
ALTER TABLE price_list_entries DROP CONSTRAINT price_list_entries_kind_check;
ALTER TABLE price_list_entries ADD CONSTRAINT price_list_entries_kind_check CHECK (kind IN ('percentage','fixed'));
