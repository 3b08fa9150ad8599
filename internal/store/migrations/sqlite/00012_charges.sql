-- +goose Up
-- The charge ledger: every priced event (a NEW order's first period and its
-- setup fee, a CHANGE, a RENEWAL, each period of a term as it begins, the
-- usage of a period) is one charge, written once at the channel price of the
-- moment it was sold, in the transaction of the order or step that sold it.
-- A billing run invoices the open charges and never prices anything again.

-- How a subscription is charged: the price version it was last sold at (plan,
-- quantity, pricing and channel as JSON), the start of its first paid period
-- (anchor; NULL while a trial is not converted, and for sandboxes), the end
-- of the last period charged, and when its service was first delivered (its
-- charges are held until then).
CREATE TABLE charge_schedules (
    subscription_id INTEGER NOT NULL PRIMARY KEY REFERENCES subscriptions(id),
    anchor          TIMESTAMP,
    charged_until   TIMESTAMP,
    delivered_at    TIMESTAMP,
    version         TEXT NOT NULL DEFAULT '{}'
);

-- A charge's key (subscription, kind, ref, period start) is unique, as on
-- invoice_lines: a period, a change or a usage is charged once. Its amount,
-- lines, shares and version never change; its state goes from held to open
-- (delivery) or void (ended undelivered, or a period it did not reach), and
-- invoice_id is set once, by the run that invoices it.
CREATE TABLE charges (
    id              INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    customer_id     INTEGER NOT NULL REFERENCES organizations(id),
    order_id        INTEGER REFERENCES orders(id),
    kind            TEXT NOT NULL,
    ref             TEXT NOT NULL DEFAULT '',
    period_start    TIMESTAMP NOT NULL,
    period_end      TIMESTAMP NOT NULL,
    due_at          TIMESTAMP NOT NULL,
    currency        TEXT NOT NULL,
    amount          TEXT NOT NULL,
    lines           TEXT NOT NULL DEFAULT '[]',
    shares          TEXT NOT NULL DEFAULT '[]',
    version         TEXT NOT NULL DEFAULT '{}',
    state           TEXT NOT NULL CHECK (state IN ('held','open','void')),
    reason          TEXT NOT NULL DEFAULT '',
    usage_pending   BOOLEAN NOT NULL DEFAULT FALSE,
    invoice_id      INTEGER REFERENCES invoices(id),
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, kind, ref, period_start)
);
-- What a billing run reads for a chunk of customers: the open charges not
-- invoiced yet, and the periods whose usage is still to be charged.
CREATE INDEX charges_to_invoice ON charges(customer_id, due_at) WHERE invoice_id IS NULL AND state = 'open';
CREATE INDEX charges_usage ON charges(customer_id, period_end) WHERE usage_pending;

-- What a billing run could not charge (a renewal at a channel price that no
-- longer prices, usage beyond what a metric prices): the subscription is
-- left for the next run, the others are invoiced; the operator reads why.
ALTER TABLE billing_runs ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
CREATE TABLE billing_run_skips (
    run_id          INTEGER NOT NULL REFERENCES billing_runs(id),
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    step            TEXT NOT NULL,
    reason          TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX billing_run_skips_run ON billing_run_skips(run_id);

-- Subscriptions from before the ledger: a paid subscription's periods go on
-- from the end of the last period an invoice billed (or from its start when
-- none was), at the version of the moment its next period is charged.
INSERT INTO charge_schedules (subscription_id, anchor, charged_until, delivered_at)
SELECT s.id,
       COALESCE(b.billed_until, CASE WHEN s.type = 'NORMAL' THEN s.start_date END),
       b.billed_until,
       CASE WHEN s.deployment_status IN ('DEPLOYED', 'STOPPED') THEN s.updated_at END
FROM subscriptions s
LEFT JOIN (SELECT subscription_id, MAX(period_end) AS billed_until FROM invoice_lines WHERE kind = 'recurring' GROUP BY subscription_id) b
       ON b.subscription_id = s.id;

-- +goose Down
DROP TABLE billing_run_skips;
ALTER TABLE billing_runs DROP COLUMN skipped;
DROP TABLE charges;
DROP TABLE charge_schedules;
