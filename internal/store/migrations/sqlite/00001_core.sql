-- +goose Up
CREATE TABLE organizations (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('platform','vendor','distributor','reseller','customer')),
    name        TEXT NOT NULL,
    parent_id   INTEGER REFERENCES organizations(id),
    email       TEXT NOT NULL DEFAULT '',
    country     TEXT NOT NULL DEFAULT '',
    currency    TEXT NOT NULL DEFAULT 'EUR',
    vat_id      TEXT NOT NULL DEFAULT '',
    on_account  BOOLEAN NOT NULL DEFAULT FALSE,
    fee_percent TEXT NOT NULL DEFAULT '20',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX organizations_parent ON organizations(parent_id);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    email           TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL DEFAULT '',
    role            TEXT NOT NULL CHECK (role IN ('admin','manager','viewer')),
    password_hash   TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX users_organization ON users(organization_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);

CREATE TABLE products (
    id                INTEGER PRIMARY KEY,
    vendor_id         INTEGER NOT NULL REFERENCES organizations(id),
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    type              TEXT NOT NULL,
    published         BOOLEAN NOT NULL DEFAULT FALSE,
    requires_approval BOOLEAN NOT NULL DEFAULT FALSE,
    metadata          TEXT NOT NULL DEFAULT '{}',
    parameters        TEXT NOT NULL DEFAULT '[]',
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX products_vendor ON products(vendor_id);

CREATE TABLE plans (
    id          INTEGER PRIMARY KEY,
    product_id  INTEGER NOT NULL REFERENCES products(id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    pricing     TEXT NOT NULL,
    metadata    TEXT NOT NULL DEFAULT '{}',
    deleted     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX plans_product ON plans(product_id);

CREATE TABLE price_list_entries (
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    plan_id         INTEGER NOT NULL REFERENCES plans(id),
    kind            TEXT NOT NULL CHECK (kind IN ('percentage','fixed')),
    value           TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, plan_id)
);

CREATE TABLE subscriptions (
    id                INTEGER PRIMARY KEY,
    customer_id       INTEGER NOT NULL REFERENCES organizations(id),
    reseller_id       INTEGER REFERENCES organizations(id),
    product_id        INTEGER NOT NULL REFERENCES products(id),
    plan_id           INTEGER NOT NULL REFERENCES plans(id),
    type              TEXT NOT NULL,
    deployment_status TEXT NOT NULL,
    paid              BOOLEAN NOT NULL,
    auto_renew        BOOLEAN NOT NULL,
    quantity          BIGINT NOT NULL,
    configuration     TEXT NOT NULL DEFAULT '{}',
    currency          TEXT NOT NULL,
    start_date        TIMESTAMP NOT NULL,
    end_date          TIMESTAMP NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_customer ON subscriptions(customer_id);
CREATE INDEX subscriptions_product ON subscriptions(product_id);

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    type            TEXT NOT NULL,
    customer_id     INTEGER NOT NULL REFERENCES organizations(id),
    plan_id         INTEGER NOT NULL REFERENCES plans(id),
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    quantity        BIGINT NOT NULL,
    configuration   TEXT NOT NULL DEFAULT '{}',
    currency        TEXT NOT NULL,
    total           TEXT NOT NULL,
    lines           TEXT NOT NULL DEFAULT '[]',
    created_by      INTEGER REFERENCES users(id),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE INDEX orders_subscription ON orders(subscription_id);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    entity      TEXT NOT NULL,
    entity_id   BIGINT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('CREATED','MODIFIED','DELETED')),
    occurred_at TIMESTAMP NOT NULL,
    metadata    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_entity ON events(entity, entity_id);

CREATE TABLE idempotency_keys (
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    key             TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response        TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, key)
);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE events;
DROP TABLE orders;
DROP TABLE subscriptions;
DROP TABLE price_list_entries;
DROP TABLE plans;
DROP TABLE products;
DROP TABLE api_tokens;
DROP TABLE users;
DROP TABLE organizations;
