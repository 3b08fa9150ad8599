-- +goose Up
-- The operator's exchange-rate table: one unit of base is worth rate units
-- of quote from the day valid_from (UTC midnight) until the pair's next
-- entry. A customer is billed in its own currency: a plan priced in
-- another is converted at the rate valid on the day of the sale.
CREATE TABLE exchange_rates (
    base       TEXT NOT NULL,
    quote      TEXT NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    rate       NUMERIC NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (base, quote, valid_from)
);

-- A charge converted from its plan's currency records what it cost there
-- and the rate (with its date) it was converted at.
ALTER TABLE charges ADD COLUMN original_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE charges ADD COLUMN original_amount NUMERIC;
ALTER TABLE charges ADD COLUMN exchange_rate NUMERIC;
ALTER TABLE charges ADD COLUMN rate_date TIMESTAMPTZ;

-- +goose Down
ALTER TABLE charges DROP COLUMN rate_date;
ALTER TABLE charges DROP COLUMN exchange_rate;
ALTER TABLE charges DROP COLUMN original_amount;
ALTER TABLE charges DROP COLUMN original_currency;
DROP TABLE exchange_rates;
