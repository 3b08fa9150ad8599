-- +goose Up
-- Text primary keys refuse NULL as on PostgreSQL. SQLite, unlike the SQL
-- standard, lets a PRIMARY KEY column other than INTEGER PRIMARY KEY hold
-- NULL unless it is declared NOT NULL, and a column cannot be altered, so
-- the four tables with such a key are rebuilt (none is referenced by a
-- foreign key). Every row is copied: a NULL key, which Mercato never
-- writes, fails this migration rather than being dropped.
CREATE TABLE secret_keys_new (
    id         TEXT NOT NULL PRIMARY KEY,
    material   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO secret_keys_new (id, material, created_at) SELECT id, material, created_at FROM secret_keys;
DROP TABLE secret_keys;
ALTER TABLE secret_keys_new RENAME TO secret_keys;

CREATE TABLE web_sessions_new (
    hash         TEXT NOT NULL PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   BIGINT NOT NULL
);
INSERT INTO web_sessions_new (hash, user_id, created_at, expires_at) SELECT hash, user_id, created_at, expires_at FROM web_sessions;
DROP TABLE web_sessions;
ALTER TABLE web_sessions_new RENAME TO web_sessions;
CREATE INDEX web_sessions_user ON web_sessions(user_id);

CREATE TABLE password_resets_new (
    hash       TEXT NOT NULL PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    TIMESTAMP
);
INSERT INTO password_resets_new (hash, user_id, created_at, expires_at, used_at) SELECT hash, user_id, created_at, expires_at, used_at FROM password_resets;
DROP TABLE password_resets;
ALTER TABLE password_resets_new RENAME TO password_resets;
CREATE INDEX password_resets_user ON password_resets(user_id);

CREATE TABLE readiness_new (
    probe      TEXT NOT NULL PRIMARY KEY,
    checked_at TIMESTAMP NOT NULL
);
INSERT INTO readiness_new (probe, checked_at) SELECT probe, checked_at FROM readiness;
DROP TABLE readiness;
ALTER TABLE readiness_new RENAME TO readiness;

-- +goose Down
CREATE TABLE secret_keys_old (
    id         TEXT PRIMARY KEY,
    material   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
INSERT INTO secret_keys_old (id, material, created_at) SELECT id, material, created_at FROM secret_keys;
DROP TABLE secret_keys;
ALTER TABLE secret_keys_old RENAME TO secret_keys;

CREATE TABLE web_sessions_old (
    hash         TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   BIGINT NOT NULL
);
INSERT INTO web_sessions_old (hash, user_id, created_at, expires_at) SELECT hash, user_id, created_at, expires_at FROM web_sessions;
DROP TABLE web_sessions;
ALTER TABLE web_sessions_old RENAME TO web_sessions;
CREATE INDEX web_sessions_user ON web_sessions(user_id);

CREATE TABLE password_resets_old (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    TIMESTAMP
);
INSERT INTO password_resets_old (hash, user_id, created_at, expires_at, used_at) SELECT hash, user_id, created_at, expires_at, used_at FROM password_resets;
DROP TABLE password_resets;
ALTER TABLE password_resets_old RENAME TO password_resets;
CREATE INDEX password_resets_user ON password_resets(user_id);

CREATE TABLE readiness_old (
    probe      TEXT PRIMARY KEY,
    checked_at TIMESTAMP NOT NULL
);
INSERT INTO readiness_old (probe, checked_at) SELECT probe, checked_at FROM readiness;
DROP TABLE readiness;
ALTER TABLE readiness_old RENAME TO readiness;
