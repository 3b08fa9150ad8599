-- +goose Up
-- Coupons: a discount (percent or amount off) for one period, N periods or
-- forever, granted (and borne in the split) by the platform, a vendor, a
-- distributor or a reseller. Codes are unique across the marketplace (a
-- customer types one at checkout without saying whose it is), stored in
-- upper case. redemptions counts the orders that redeemed it, moved in the
-- order's transaction under the max_redemptions condition.
CREATE TABLE coupons (
    id                   INTEGER PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL CHECK (kind IN ('percent','amount')),
    value                TEXT NOT NULL,
    currency             TEXT NOT NULL DEFAULT '',
    duration             TEXT NOT NULL CHECK (duration IN ('once','repeating','forever')),
    periods              INTEGER NOT NULL DEFAULT 0,
    product_ids          TEXT NOT NULL DEFAULT '[]',
    plan_ids             TEXT NOT NULL DEFAULT '[]',
    max_redemptions      INTEGER NOT NULL DEFAULT 0,
    redemptions          INTEGER NOT NULL DEFAULT 0,
    expires_at           TIMESTAMP,
    trial_extension_days INTEGER NOT NULL DEFAULT 0,
    granter_id           INTEGER NOT NULL REFERENCES organizations(id),
    granter_kind         TEXT NOT NULL CHECK (granter_kind IN ('platform','vendor','distributor','reseller')),
    active               BOOLEAN NOT NULL DEFAULT TRUE,
    created_at           TIMESTAMP NOT NULL
);
CREATE INDEX coupons_granter ON coupons(granter_id);

-- Each redemption: which order sold which subscription with the coupon.
CREATE TABLE coupon_redemptions (
    id              INTEGER PRIMARY KEY,
    coupon_id       INTEGER NOT NULL REFERENCES coupons(id),
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id),
    order_id        INTEGER NOT NULL REFERENCES orders(id),
    customer_id     INTEGER NOT NULL REFERENCES organizations(id),
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (coupon_id, subscription_id)
);

-- A subscription sold with a coupon keeps its terms (JSON) on its charge
-- schedule, and how many periods it has discounted: its periods are charged
-- with the discount while the coupon's duration lasts.
ALTER TABLE charge_schedules ADD COLUMN coupon TEXT;
ALTER TABLE charge_schedules ADD COLUMN coupon_periods INTEGER NOT NULL DEFAULT 0;
-- The code an order redeemed ('' none); its discount is among its lines.
ALTER TABLE orders ADD COLUMN coupon TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE orders DROP COLUMN coupon;
ALTER TABLE charge_schedules DROP COLUMN coupon_periods;
ALTER TABLE charge_schedules DROP COLUMN coupon;
DROP TABLE coupon_redemptions;
DROP TABLE coupons;
