-- +goose Up
-- Integration metadata of a subscription: keys its provider (a vendor or a
-- connector) keeps beside it, such as the Partner Center customer and
-- subscription ids (Cloudesire's subscription/{id}/metadata).
CREATE TABLE subscription_metadata (
    subscription_id BIGINT NOT NULL REFERENCES subscriptions(id),
    key             TEXT NOT NULL,
    value           TEXT NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subscription_id, key)
);

-- +goose Down
DROP TABLE subscription_metadata;
