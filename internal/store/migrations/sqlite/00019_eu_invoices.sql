-- +goose Up
-- Invoices that are legal documents in the EU.

-- The buyer's postal address (its country is organizations.country).
ALTER TABLE organizations ADD COLUMN address_line TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN city TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN postal_code TEXT NOT NULL DEFAULT '';

-- The operator's identity as the seller of the platform's invoices and its
-- payment terms: one row (id 1) once set. An invoice keeps a snapshot of
-- its issuer (invoices.issuer) taken when it is issued.
CREATE TABLE operator_settings (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    legal_name           TEXT NOT NULL,
    address_line         TEXT NOT NULL DEFAULT '',
    city                 TEXT NOT NULL DEFAULT '',
    postal_code          TEXT NOT NULL DEFAULT '',
    country              TEXT NOT NULL,
    vat_id               TEXT NOT NULL DEFAULT '',
    email                TEXT NOT NULL DEFAULT '',
    payment_terms_days   INTEGER NOT NULL DEFAULT 0,
    payment_instructions TEXT NOT NULL DEFAULT '',
    updated_at           TIMESTAMP NOT NULL
);

-- Standard VAT rates as operator data: a country's rate from a day on;
-- the billing run applies, per country, the latest rate valid on the
-- invoice date. Seeded with the EU standard rates (the changes of
-- 2024-2025 dated; rows from 2000-01-01 stand for "before that").
CREATE TABLE tax_rates (
    id         INTEGER PRIMARY KEY,
    country    TEXT NOT NULL,
    rate       TEXT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (country, valid_from)
);
INSERT INTO tax_rates (country, rate, valid_from, created_at) VALUES
    ('AT', '20', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('BE', '21', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('BG', '20', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('CY', '19', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('CZ', '21', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('DE', '19', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('DK', '25', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('EE', '22', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('EE', '24', '2025-07-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('ES', '21', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('FI', '24', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('FI', '25.5', '2024-09-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('FR', '20', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('GR', '24', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('HR', '25', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('HU', '27', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('IE', '23', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('IT', '22', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('LT', '21', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('LU', '17', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('LV', '21', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('MT', '18', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('NL', '21', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('PL', '23', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('PT', '23', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('RO', '19', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('RO', '21', '2025-08-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('SE', '25', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('SI', '22', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('SK', '20', '2000-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
    ('SK', '23', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00');

-- Every invoice line names the product and the plan it bills.
ALTER TABLE invoice_lines ADD COLUMN product TEXT NOT NULL DEFAULT '';
ALTER TABLE invoice_lines ADD COLUMN plan TEXT NOT NULL DEFAULT '';

-- An issued invoice is never voided, only credited (in part or in full):
-- one credited in full is no longer due (dunning skips it).
ALTER TABLE invoices ADD COLUMN fully_credited BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE invoices DROP COLUMN fully_credited;
ALTER TABLE invoice_lines DROP COLUMN plan;
ALTER TABLE invoice_lines DROP COLUMN product;
DROP TABLE tax_rates;
DROP TABLE operator_settings;
ALTER TABLE organizations DROP COLUMN postal_code;
ALTER TABLE organizations DROP COLUMN city;
ALTER TABLE organizations DROP COLUMN address_line;
