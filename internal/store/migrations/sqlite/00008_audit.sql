-- +goose Up
-- Who changed what: one row per change of prices, endpoints, users, tokens,
-- organizations, products, plans and subscriptions, written in the
-- transaction of the change.
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    occurred_at   TIMESTAMP NOT NULL,
    actor_user_id BIGINT NOT NULL,
    actor_org_id  BIGINT NOT NULL,
    action        TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_id     BIGINT NOT NULL,
    details       TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_actor_org ON audit_log(actor_org_id, id);

-- +goose Down
DROP TABLE audit_log;
