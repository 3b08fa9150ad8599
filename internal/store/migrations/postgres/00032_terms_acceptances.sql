-- +goose Up
-- The publisher's terms a buyer accepted with an order (an Azure
-- Marketplace VM offer's, or any product whose metadata carries terms):
-- who (the user, 0 for an organization's API token), for which
-- organization, when, and the terms as shown (their links, summary and
-- version). One per order; the subscription's NEW order has it.
CREATE TABLE terms_acceptances (
    order_id         BIGINT NOT NULL PRIMARY KEY REFERENCES orders(id),
    subscription_id  BIGINT NOT NULL REFERENCES subscriptions(id),
    user_id          BIGINT NOT NULL,
    organization_id  BIGINT NOT NULL REFERENCES organizations(id),
    accepted_at      TIMESTAMPTZ NOT NULL,
    license_link     TEXT NOT NULL,
    privacy_link     TEXT NOT NULL,
    marketplace_link TEXT NOT NULL,
    summary          TEXT NOT NULL,
    version          TEXT NOT NULL
);
CREATE INDEX terms_acceptances_subscription ON terms_acceptances (subscription_id);

-- +goose Down
DROP TABLE terms_acceptances;
