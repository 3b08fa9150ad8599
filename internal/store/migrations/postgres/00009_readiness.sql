-- +goose Up
-- One row that /readyz writes, so that a database which answers reads but
-- refuses writes (a full disk, a read-only file system or replica) is
-- reported as not ready.
CREATE TABLE readiness (
    probe      TEXT PRIMARY KEY,
    checked_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE readiness;
