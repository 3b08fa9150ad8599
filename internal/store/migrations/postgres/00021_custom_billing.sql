-- +goose Up
-- The recurring custom lines a subscription's provider bills with every
-- period (Cloudesire's POST subscription/{id}/invoice/recurring), as JSON;
-- '' for none. Each period charged writes them as a custom_recurring charge.
ALTER TABLE charge_schedules ADD COLUMN custom_lines TEXT NOT NULL DEFAULT '';

-- A descriptive name the customer, its seller or the provider gives a
-- subscription (Cloudesire's SET_NAME); '' shows the product's and plan's.
ALTER TABLE subscriptions ADD COLUMN name TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE subscriptions DROP COLUMN name;
ALTER TABLE charge_schedules DROP COLUMN custom_lines;
