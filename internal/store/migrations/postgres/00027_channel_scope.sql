-- +goose Up
-- Every list a caller reads is an index range scan in id order: each row
-- carries the organizations that may see it, so a role's list is one
-- equality on one indexed column (internal/store/scope.go) instead of a
-- subquery over organizations or products whose matches must be sorted.
-- Organizations never change parent and products never change vendor, so
-- the copies never go stale. reseller_id is the customer's parent
-- (whatever its kind), distributor_id the first distributor above the
-- customer, vendor_id the product's vendor.
ALTER TABLE subscriptions ADD COLUMN vendor_id BIGINT REFERENCES organizations(id);
ALTER TABLE subscriptions ADD COLUMN distributor_id BIGINT REFERENCES organizations(id);
UPDATE subscriptions SET
    vendor_id = (SELECT p.vendor_id FROM products p WHERE p.id = subscriptions.product_id),
    distributor_id = (SELECT CASE WHEN r.kind = 'distributor' THEN r.id WHEN d.kind = 'distributor' THEN d.id END
        FROM organizations c LEFT JOIN organizations r ON r.id = c.parent_id LEFT JOIN organizations d ON d.id = r.parent_id
        WHERE c.id = subscriptions.customer_id);
DROP INDEX subscriptions_customer;
CREATE INDEX subscriptions_customer ON subscriptions (customer_id, id);
CREATE INDEX subscriptions_reseller ON subscriptions (reseller_id, id) WHERE reseller_id IS NOT NULL;
CREATE INDEX subscriptions_distributor ON subscriptions (distributor_id, id) WHERE distributor_id IS NOT NULL;
CREATE INDEX subscriptions_vendor ON subscriptions (vendor_id, id);

ALTER TABLE orders ADD COLUMN reseller_id BIGINT REFERENCES organizations(id);
ALTER TABLE orders ADD COLUMN distributor_id BIGINT REFERENCES organizations(id);
ALTER TABLE orders ADD COLUMN vendor_id BIGINT REFERENCES organizations(id);
UPDATE orders SET
    reseller_id = (SELECT s.reseller_id FROM subscriptions s WHERE s.id = orders.subscription_id),
    distributor_id = (SELECT s.distributor_id FROM subscriptions s WHERE s.id = orders.subscription_id),
    vendor_id = (SELECT s.vendor_id FROM subscriptions s WHERE s.id = orders.subscription_id);
DROP INDEX orders_customer;
CREATE INDEX orders_customer ON orders (customer_id, id);
CREATE INDEX orders_reseller ON orders (reseller_id, id) WHERE reseller_id IS NOT NULL;
CREATE INDEX orders_distributor ON orders (distributor_id, id) WHERE distributor_id IS NOT NULL;
CREATE INDEX orders_vendor ON orders (vendor_id, id);

-- A subscription's events carry its scope; other entities' events are the
-- platform's alone and carry none.
ALTER TABLE events ADD COLUMN customer_id BIGINT;
ALTER TABLE events ADD COLUMN reseller_id BIGINT;
ALTER TABLE events ADD COLUMN distributor_id BIGINT;
ALTER TABLE events ADD COLUMN vendor_id BIGINT;
UPDATE events SET
    customer_id = (SELECT s.customer_id FROM subscriptions s WHERE s.id = events.entity_id),
    reseller_id = (SELECT s.reseller_id FROM subscriptions s WHERE s.id = events.entity_id),
    distributor_id = (SELECT s.distributor_id FROM subscriptions s WHERE s.id = events.entity_id),
    vendor_id = (SELECT s.vendor_id FROM subscriptions s WHERE s.id = events.entity_id)
WHERE entity = 'Subscription';
CREATE INDEX events_customer ON events (customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX events_reseller ON events (reseller_id, id) WHERE reseller_id IS NOT NULL;
CREATE INDEX events_distributor ON events (distributor_id, id) WHERE distributor_id IS NOT NULL;
CREATE INDEX events_vendor ON events (vendor_id, id) WHERE vendor_id IS NOT NULL;

-- +goose Down
DROP INDEX events_vendor;
DROP INDEX events_distributor;
DROP INDEX events_reseller;
DROP INDEX events_customer;
ALTER TABLE events DROP COLUMN vendor_id;
ALTER TABLE events DROP COLUMN distributor_id;
ALTER TABLE events DROP COLUMN reseller_id;
ALTER TABLE events DROP COLUMN customer_id;
DROP INDEX orders_vendor;
DROP INDEX orders_distributor;
DROP INDEX orders_reseller;
DROP INDEX orders_customer;
CREATE INDEX orders_customer ON orders (customer_id);
ALTER TABLE orders DROP COLUMN vendor_id;
ALTER TABLE orders DROP COLUMN distributor_id;
ALTER TABLE orders DROP COLUMN reseller_id;
DROP INDEX subscriptions_vendor;
DROP INDEX subscriptions_distributor;
DROP INDEX subscriptions_reseller;
DROP INDEX subscriptions_customer;
CREATE INDEX subscriptions_customer ON subscriptions (customer_id);
ALTER TABLE subscriptions DROP COLUMN distributor_id;
ALTER TABLE subscriptions DROP COLUMN vendor_id;
