-- +goose Up
-- Nothing to do on PostgreSQL: its primary-key columns are NOT NULL already.
-- SQLite's 00010 makes secret_keys.id, web_sessions.hash,
-- password_resets.hash and readiness.probe refuse NULL too; this file keeps
-- the two histories numbered alike.
SELECT 1;

-- +goose Down
SELECT 1;
