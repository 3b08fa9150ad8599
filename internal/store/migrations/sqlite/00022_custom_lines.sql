-- +goose Up
-- The recurring custom lines a subscription's provider bills with every
-- period (Cloudesire's POST subscription/{id}/invoice/recurring), as JSON;
-- '' for none. Each period charged writes them as a custom_recurring charge.
ALTER TABLE charge_schedules ADD COLUMN custom_lines TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE charge_schedules DROP COLUMN custom_lines;
