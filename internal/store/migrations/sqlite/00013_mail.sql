-- +goose Up
-- E-mail. The events outbox gains notified_at: NULL until internal/notify
-- has decided which messages an event causes (none, often); the events
-- already there are marked as considered, so that the history is not
-- mailed when this migration runs.
ALTER TABLE events ADD COLUMN notified_at TIMESTAMP;
UPDATE events SET notified_at = occurred_at;
CREATE INDEX events_unnotified ON events(id) WHERE notified_at IS NULL;

-- The language a user's messages are written in ('en', 'it').
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';

-- The mail outbox: one row per message and recipient, rendered when it is
-- queued (an attachment is a reference, rendered when it is sent). key is
-- unique, so a batch queued twice inserts nothing the second time.
-- Scheduling columns are unix microseconds, as for deliveries.
CREATE TABLE mail_messages (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,
    event_id        INTEGER REFERENCES events(id),
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    to_address      TEXT NOT NULL,
    to_name         TEXT NOT NULL DEFAULT '',
    language        TEXT NOT NULL,
    template        TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    attachments     TEXT NOT NULL DEFAULT '[]',
    sensitive       BOOLEAN NOT NULL DEFAULT FALSE,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sent','refused','kept')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX mail_messages_due ON mail_messages(next_attempt_at) WHERE status = 'queued';

-- +goose Down
DROP TABLE mail_messages;
ALTER TABLE users DROP COLUMN language;
DROP INDEX events_unnotified;
ALTER TABLE events DROP COLUMN notified_at;
