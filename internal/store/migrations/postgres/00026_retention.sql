-- +goose Up
-- Retention (issue 19): how long delivery attempts, delivered deliveries
-- and events are kept, one row (id 1) once the operator sets it (until
-- then, internal/retention's defaults). The pruner deletes the oldest rows
-- first, found through these indexes in small batches.
CREATE TABLE retention_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    attempts_days   INTEGER NOT NULL,
    deliveries_days INTEGER NOT NULL,
    events_days     INTEGER NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX delivery_attempts_attempted ON delivery_attempts(attempted_at);
-- A delivery's deletion cascades to its attempts (the foreign key's lookup).
CREATE INDEX delivery_attempts_delivery ON delivery_attempts(delivery_id);
CREATE INDEX deliveries_delivered ON deliveries(delivered_at) WHERE status = 'delivered';
CREATE INDEX events_occurred ON events(occurred_at);
-- An event's deletion checks that no mail refers to it.
CREATE INDEX mail_messages_event ON mail_messages(event_id) WHERE event_id IS NOT NULL;

-- +goose Down
DROP INDEX mail_messages_event;
DROP INDEX events_occurred;
DROP INDEX deliveries_delivered;
DROP INDEX delivery_attempts_delivery;
DROP INDEX delivery_attempts_attempted;
DROP TABLE retention_settings;
