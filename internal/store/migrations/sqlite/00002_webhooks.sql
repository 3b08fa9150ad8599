-- +goose Up
-- Syndication: where lifecycle events go, what is owed to each endpoint,
-- and every attempt. Scheduling columns are unix microseconds (BIGINT), so
-- both engines compare them as numbers.
CREATE TABLE webhook_endpoints (
    id                    INTEGER PRIMARY KEY,
    owner_id              INTEGER NOT NULL REFERENCES organizations(id),
    product_id            INTEGER REFERENCES products(id),
    url                   TEXT NOT NULL,
    events                TEXT NOT NULL DEFAULT '',
    enabled               BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason       TEXT NOT NULL DEFAULT '',
    secret                TEXT NOT NULL,
    previous_secret       TEXT NOT NULL DEFAULT '',
    previous_secret_until BIGINT NOT NULL DEFAULT 0,
    failing_since         BIGINT NOT NULL DEFAULT 0,
    created_at            TIMESTAMP NOT NULL,
    updated_at            TIMESTAMP NOT NULL
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints(owner_id);

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    event_id        BIGINT NOT NULL REFERENCES events(id),
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    ordering_key    TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX deliveries_due ON deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_order ON deliveries(endpoint_id, ordering_key, id) WHERE status = 'pending';

CREATE TABLE delivery_attempts (
    id               INTEGER PRIMARY KEY,
    delivery_id      BIGINT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    endpoint_id      BIGINT NOT NULL,
    event_id         BIGINT NOT NULL,
    attempted_at     TIMESTAMP NOT NULL,
    status_code      INTEGER NOT NULL,
    latency_us       BIGINT NOT NULL,
    error            TEXT NOT NULL DEFAULT '',
    response_excerpt TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_endpoint ON delivery_attempts(endpoint_id, id);

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    kind            TEXT NOT NULL,
    message         TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX notifications_organization ON notifications(organization_id, id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE webhook_endpoints;
