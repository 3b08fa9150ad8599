-- +goose Up
-- Nothing to do on PostgreSQL: its primary-key columns are NOT NULL already.
-- SQLite's 00009 makes secret_keys.id, web_sessions.hash and
-- password_resets.hash refuse NULL too; this file keeps the two histories
-- numbered alike.
SELECT 1;

-- +goose Down
SELECT 1;
