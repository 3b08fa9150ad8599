-- +goose Up
-- The control panel: sign-in sessions, password-reset links, product
-- reviews and per-subscription message threads. Passwords are kept as
-- bcrypt hashes in users.password_hash (00001). Sessions and reset links
-- are stored as SHA-256 hashes of their secrets, never the secrets; their
-- expiry is in unix microseconds, compared as numbers on both engines.
CREATE TABLE web_sessions (
    hash         TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMP NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX web_sessions_user ON web_sessions(user_id);

CREATE TABLE password_resets (
    hash       TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX password_resets_user ON password_resets(user_id);

-- One review per customer organization and product.
CREATE TABLE reviews (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    customer_id INTEGER NOT NULL REFERENCES organizations(id),
    user_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    rating      INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (product_id, customer_id)
);

-- A subscription is a thread: its customer writes to its vendor and
-- reseller and they answer. message_reads keeps, per organization, the
-- last message it read in each thread, for unread counts.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    author_org_id   INTEGER NOT NULL REFERENCES organizations(id),
    author_user_id  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    body            TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX messages_subscription ON messages(subscription_id, id);

CREATE TABLE message_reads (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    last_read_id    INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, organization_id)
);

-- +goose Down
DROP TABLE message_reads;
DROP TABLE messages;
DROP TABLE reviews;
DROP TABLE password_resets;
DROP TABLE web_sessions;
