-- +goose Up
-- Price lists take Cloudesire's VALUE markup (an amount added to the
-- price bought at) beside percentage and fixed. SQLite cannot alter a
-- CHECK constraint, so the table is rebuilt (no foreign key refers to it).
CREATE TABLE price_list_entries_new (
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    plan_id         INTEGER NOT NULL REFERENCES plans(id),
    kind            TEXT NOT NULL CHECK (kind IN ('percentage','fixed','value')),
    value           TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, plan_id)
);
INSERT INTO price_list_entries_new (organization_id, plan_id, kind, value, updated_at)
    SELECT organization_id, plan_id, kind, value, updated_at FROM price_list_entries;
DROP TABLE price_list_entries;
ALTER TABLE price_list_entries_new RENAME TO price_list_entries;

-- A downgrade (fewer seats, a cheaper plan) takes effect when the period
-- already charged ends: the schedule keeps the version it will charge from
-- then, and from when, until it applies or is cancelled.
ALTER TABLE charge_schedules ADD COLUMN scheduled_version TEXT;
ALTER TABLE charge_schedules ADD COLUMN scheduled_from TIMESTAMP;

-- A plan's price history: each pricing it has had and when it took effect
-- (new orders had it from then; running subscriptions from their next
-- renewal). A plan's history starts with the pricing it has now, from its
-- last change.
CREATE TABLE plan_prices (
    id          INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL REFERENCES plans(id),
    pricing      TEXT NOT NULL,
    effective_at TIMESTAMP NOT NULL
);
CREATE INDEX plan_prices_plan ON plan_prices(plan_id, effective_at);
INSERT INTO plan_prices (plan_id, pricing, effective_at) SELECT id, pricing, updated_at FROM plans;

-- +goose Down
DROP TABLE plan_prices;
ALTER TABLE charge_schedules DROP COLUMN scheduled_from;
ALTER TABLE charge_schedules DROP COLUMN scheduled_version;
-- A value markup has no equivalent in the older schema: going down
-- removes it, so that its plan sells at the price bought at.
CREATE TABLE price_list_entries_old (
    organization_id INTEGER NOT NULL REFERENCES organizations(id),
    plan_id         INTEGER NOT NULL REFERENCES plans(id),
    kind            TEXT NOT NULL CHECK (kind IN ('percentage','fixed')),
    value           TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, plan_id)
);
INSERT INTO price_list_entries_old (organization_id, plan_id, kind, value, updated_at)
    SELECT organization_id, plan_id, kind, value, updated_at FROM price_list_entries WHERE kind <> 'value';
DROP TABLE price_list_entries;
ALTER TABLE price_list_entries_old RENAME TO price_list_entries;
