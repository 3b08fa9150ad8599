-- +goose Up
-- The operator's fee rules: the platform's fee on a vendor's sales, in
-- percent of what the vendor's price comes to, by scope. The most specific
-- rule wins: a vendor and a product type, the vendor alone (its
-- organization's fee_percent, '' for none), a product type (vendor_id
-- NULL), the default (vendor_id NULL, product_type ''). A charge keeps the
-- fee of the moment it was sold in its price version: a rule applies to
-- what is sold from when it is set.
CREATE TABLE fee_rules (
    id           INTEGER PRIMARY KEY,
    vendor_id    BIGINT REFERENCES organizations(id),
    product_type TEXT NOT NULL DEFAULT '',
    percent      TEXT NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fee_rules_scope ON fee_rules (COALESCE(vendor_id, 0), product_type);
INSERT INTO fee_rules (vendor_id, product_type, percent, updated_at) VALUES (NULL, '', '20', '2026-01-01 00:00:00+00:00');
-- Every organization was given 20 unless the platform said otherwise: that
-- is the default now, so only a fee the platform chose stays the vendor's.
UPDATE organizations SET fee_percent = '' WHERE fee_percent = '20';

-- The operator's dunning settings, one row (id 1) once saved; until then
-- serve's flags (--payment-retry-days, --dunning-suspend-days). Retry days
-- are comma-separated, ascending.
CREATE TABLE dunning_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    payment_retry_days TEXT NOT NULL,
    suspend_days       INTEGER NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE dunning_settings;
UPDATE organizations SET fee_percent = '20' WHERE fee_percent = '';
DROP INDEX fee_rules_scope;
DROP TABLE fee_rules;
