-- +goose Up
-- Billing: invoices and credit notes with their lines, gapless numbers per
-- issuer, series and year, the channel split as ledger entries, payments,
-- and the runs that closed each month. Money is TEXT holding exact decimals.

-- Whether a reseller invoices its customers itself (otherwise the platform
-- invoices them on its behalf).
CREATE TABLE billing_profiles (
    organization_id INTEGER PRIMARY KEY REFERENCES organizations(id),
    self_billing    BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at      TIMESTAMP NOT NULL
);

CREATE TABLE billing_runs (
    id            INTEGER PRIMARY KEY,
    period        TEXT NOT NULL,
    as_of         TIMESTAMP NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running','finished','failed')),
    subscriptions INTEGER NOT NULL DEFAULT 0,
    invoices      INTEGER NOT NULL DEFAULT 0,
    lines         INTEGER NOT NULL DEFAULT 0,
    renewed       INTEGER NOT NULL DEFAULT 0,
    ended         INTEGER NOT NULL DEFAULT 0,
    error         TEXT NOT NULL DEFAULT '',
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP
);

CREATE TABLE invoices (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL CHECK (kind IN ('invoice','credit_note')),
    number              TEXT,
    issuer_id           INTEGER NOT NULL REFERENCES organizations(id),
    customer_id         INTEGER NOT NULL REFERENCES organizations(id),
    reseller_id         INTEGER REFERENCES organizations(id),
    period              TEXT NOT NULL,
    currency            TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('draft','issued','paid','void')),
    tax_rate            TEXT NOT NULL,
    tax_note            TEXT NOT NULL DEFAULT '',
    subtotal            TEXT NOT NULL,
    tax                 TEXT NOT NULL,
    total               TEXT NOT NULL,
    issuer              TEXT NOT NULL DEFAULT '{}',
    customer            TEXT NOT NULL DEFAULT '{}',
    issued_at           TIMESTAMP,
    due_at              TIMESTAMP,
    paid_at             TIMESTAMP,
    voided_at           TIMESTAMP,
    credited_invoice_id INTEGER REFERENCES invoices(id),
    reminders           INTEGER NOT NULL DEFAULT 0,
    suspended           BOOLEAN NOT NULL DEFAULT FALSE,
    run_id              INTEGER REFERENCES billing_runs(id),
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (issuer_id, number)
);
CREATE INDEX invoices_customer ON invoices(customer_id);
CREATE INDEX invoices_due ON invoices(status, due_at);

-- A line's charge key (subscription, kind, ref, period start, part) is
-- unique: a billing run that runs again finds its charges and adds none.
CREATE TABLE invoice_lines (
    id              INTEGER PRIMARY KEY,
    invoice_id      INTEGER NOT NULL REFERENCES invoices(id),
    line_no         INTEGER NOT NULL,
    subscription_id INTEGER REFERENCES subscriptions(id),
    kind            TEXT NOT NULL,
    ref             TEXT NOT NULL DEFAULT '',
    part            INTEGER NOT NULL DEFAULT 0,
    description     TEXT NOT NULL,
    quantity        TEXT NOT NULL,
    unit_amount     TEXT NOT NULL,
    amount          TEXT NOT NULL,
    tax_rate        TEXT NOT NULL,
    tax             TEXT NOT NULL,
    period_start    TIMESTAMP NOT NULL,
    period_end      TIMESTAMP NOT NULL,
    shares          TEXT NOT NULL DEFAULT '[]',
    UNIQUE (invoice_id, line_no),
    UNIQUE (subscription_id, kind, ref, period_start, part)
);

CREATE TABLE invoice_sequences (
    issuer_id INTEGER NOT NULL REFERENCES organizations(id),
    series    TEXT NOT NULL,
    year      INTEGER NOT NULL,
    last      BIGINT NOT NULL,
    PRIMARY KEY (issuer_id, series, year)
);

-- Double entry: per invoice, debits equal credits to the cent.
CREATE TABLE ledger_entries (
    id              INTEGER PRIMARY KEY,
    invoice_id      INTEGER NOT NULL REFERENCES invoices(id),
    line_no         INTEGER NOT NULL DEFAULT 0,
    account         TEXT NOT NULL CHECK (account IN ('receivable','tax','earnings')),
    role            TEXT NOT NULL,
    organization_id INTEGER REFERENCES organizations(id),
    debit           TEXT NOT NULL,
    credit          TEXT NOT NULL,
    currency        TEXT NOT NULL,
    period          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_invoice ON ledger_entries(invoice_id);
CREATE INDEX ledger_entries_party ON ledger_entries(organization_id, period);

CREATE TABLE payments (
    id          INTEGER PRIMARY KEY,
    invoice_id  INTEGER NOT NULL REFERENCES invoices(id),
    amount      TEXT NOT NULL,
    currency    TEXT NOT NULL,
    method      TEXT NOT NULL,
    reference   TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER REFERENCES users(id),
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX payments_invoice ON payments(invoice_id);

-- +goose Down
DROP TABLE payments;
DROP TABLE ledger_entries;
DROP TABLE invoice_sequences;
DROP TABLE invoice_lines;
DROP TABLE invoices;
DROP TABLE billing_runs;
DROP TABLE billing_profiles;
