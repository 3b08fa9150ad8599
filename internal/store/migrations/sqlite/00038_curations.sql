-- +goose Up
-- A distributor's curation of one of its resellers' catalog (issue 18):
-- a row in curations restricts the reseller to the products of
-- curated_products (each with every plan of it) and the plans of
-- curated_plans; no row is "everything the distributor sells", so the
-- resellers of existing data are unaffected. It restricts what the
-- reseller and its customers list and buy from then on; subscriptions
-- already sold keep running and renew (internal/catalog.Curation).
CREATE TABLE curations (
    reseller_id BIGINT NOT NULL PRIMARY KEY REFERENCES organizations(id),
    updated_at  TIMESTAMP NOT NULL
);
CREATE TABLE curated_products (
    reseller_id BIGINT NOT NULL REFERENCES curations(reseller_id) ON DELETE CASCADE,
    product_id  BIGINT NOT NULL REFERENCES products(id),
    PRIMARY KEY (reseller_id, product_id)
);
CREATE TABLE curated_plans (
    reseller_id BIGINT NOT NULL REFERENCES curations(reseller_id) ON DELETE CASCADE,
    plan_id     BIGINT NOT NULL REFERENCES plans(id),
    PRIMARY KEY (reseller_id, plan_id)
);
CREATE INDEX curated_products_product ON curated_products (product_id);
CREATE INDEX curated_plans_plan ON curated_plans (plan_id);

-- +goose Down
DROP TABLE curated_plans;
DROP TABLE curated_products;
DROP TABLE curations;
