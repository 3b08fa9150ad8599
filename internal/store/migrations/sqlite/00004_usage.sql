-- +goose Up
-- Metered usage: raw records, pushed by a subscription's provider (or the
-- platform) or polled from the product's metric URL, kept as reported so
-- that billing can aggregate them as each metric says (sum, max, average,
-- last, unique_count). Quantities are decimals as text.
CREATE TABLE usage_records (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    metric          TEXT NOT NULL,
    quantity        TEXT NOT NULL,
    period_start    TIMESTAMP NOT NULL,
    period_end      TIMESTAMP NOT NULL,
    source          TEXT NOT NULL CHECK (source IN ('push','poll')),
    idempotency_key TEXT,
    request_hash    TEXT NOT NULL DEFAULT '',
    unique_id       TEXT NOT NULL DEFAULT '',
    reading         TEXT,
    reported_by     INTEGER REFERENCES organizations(id),
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, idempotency_key)
);
CREATE INDEX usage_records_metric ON usage_records(subscription_id, metric, period_start);

-- One row per product and poll window: whoever inserts it polls the
-- window; a claim whose lease ran out before it finished is taken again.
-- Lease columns are unix microseconds.
CREATE TABLE usage_polls (
    product_id   INTEGER NOT NULL REFERENCES products(id),
    window_start TIMESTAMP NOT NULL,
    locked_until BIGINT NOT NULL,
    finished_at  TIMESTAMP,
    polled       INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (product_id, window_start)
);

-- +goose Down
DROP TABLE usage_polls;
DROP TABLE usage_records;
