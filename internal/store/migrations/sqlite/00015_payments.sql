-- +goose Up
-- Payments through a provider (Stripe): the provider's customer of an
-- organization; each try to collect an invoice (the first, then dunning's
-- retries), whose provider reference leads its webhook events back to the
-- invoice; and the webhook events processed, once each (a redelivered
-- event finds its id here and changes nothing), with what they recorded:
-- a payment, a failed payment, a refund or a dispute; and the credit
-- notes refunded through the provider.
ALTER TABLE billing_profiles ADD COLUMN provider_customer TEXT NOT NULL DEFAULT '';

CREATE TABLE payment_attempts (
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    try        INTEGER NOT NULL,
    reference  TEXT NOT NULL PRIMARY KEY,
    provider   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_attempts_invoice ON payment_attempts(invoice_id, try);

CREATE TABLE payment_events (
    event_id   TEXT NOT NULL PRIMARY KEY,
    provider   TEXT NOT NULL,
    type       TEXT NOT NULL,
    invoice_id INTEGER REFERENCES invoices(id),
    reference  TEXT NOT NULL DEFAULT '',
    amount     TEXT NOT NULL DEFAULT '0',
    currency   TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX payment_events_invoice ON payment_events(invoice_id);

-- The credit notes whose invoice's payments through the provider were
-- refunded through it, with the amount asked back.
CREATE TABLE payment_refunds (
    credit_note_id INTEGER NOT NULL PRIMARY KEY REFERENCES invoices(id),
    provider       TEXT NOT NULL,
    amount         TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE payment_refunds;
DROP TABLE payment_events;
DROP TABLE payment_attempts;
ALTER TABLE billing_profiles DROP COLUMN provider_customer;
