-- +goose Up
-- What a subscription's provider reports once it is provisioned.
CREATE TABLE subscription_endpoints (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    endpoint        TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    category        TEXT NOT NULL CHECK (category IN ('APP','PASSWORD_RESET','DOCUMENTATION','VIDEO')),
    UNIQUE (subscription_id, category, endpoint)
);

CREATE TABLE subscription_instructions (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    lang            TEXT NOT NULL,
    text            TEXT NOT NULL,
    PRIMARY KEY (subscription_id, lang)
);

-- Credential values are sealed with AES-256-GCM (internal/secretbox); key_id
-- names the key that sealed each one.
CREATE TABLE subscription_credentials (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    key             TEXT NOT NULL,
    key_id          TEXT NOT NULL,
    value_sealed    TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '{}',
    weight          INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, key)
);

-- Keys generated when MERCATO_SECRET_KEY is not set (development); the
-- oldest row seals.
CREATE TABLE secret_keys (
    id         TEXT PRIMARY KEY,
    material   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE secret_keys;
DROP TABLE subscription_credentials;
DROP TABLE subscription_instructions;
DROP TABLE subscription_endpoints;
