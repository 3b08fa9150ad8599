-- +goose Up
-- The invoices list is an index range scan in id order for every role, as
-- the subscriptions' is (migration 00027): each invoice carries the
-- reseller and the distributor that see it, so a role's condition is one
-- equality on a column indexed with the id (scope.go, invoiceScope).
-- A reseller sees the invoices of its customers and its own, a distributor
-- those of its resellers, of their customers and its own: viewer_reseller_id
-- is the customer if it is a reseller, else its parent if that is one;
-- viewer_distributor_id the customer, its parent or its grandparent,
-- whichever first is a distributor. An invoice's issuer is the platform or
-- the customer's parent (a reseller billing its customers itself), so the
-- issuer a reseller or distributor is, is already its viewer. Organizations
-- never change parent or kind: the copies never go stale.
ALTER TABLE invoices ADD COLUMN viewer_reseller_id BIGINT REFERENCES organizations(id);
ALTER TABLE invoices ADD COLUMN viewer_distributor_id BIGINT REFERENCES organizations(id);
UPDATE invoices SET
    viewer_reseller_id = (SELECT CASE WHEN c.kind = 'reseller' THEN c.id WHEN r.kind = 'reseller' THEN r.id END
        FROM organizations c LEFT JOIN organizations r ON r.id = c.parent_id
        WHERE c.id = invoices.customer_id),
    viewer_distributor_id = (SELECT CASE WHEN c.kind = 'distributor' THEN c.id WHEN r.kind = 'distributor' THEN r.id WHEN d.kind = 'distributor' THEN d.id END
        FROM organizations c LEFT JOIN organizations r ON r.id = c.parent_id LEFT JOIN organizations d ON d.id = r.parent_id
        WHERE c.id = invoices.customer_id);
DROP INDEX invoices_customer;
CREATE INDEX invoices_customer ON invoices (customer_id, id);
CREATE INDEX invoices_reseller ON invoices (viewer_reseller_id, id) WHERE viewer_reseller_id IS NOT NULL;
CREATE INDEX invoices_distributor ON invoices (viewer_distributor_id, id) WHERE viewer_distributor_id IS NOT NULL;

-- +goose Down
DROP INDEX invoices_distributor;
DROP INDEX invoices_reseller;
DROP INDEX invoices_customer;
CREATE INDEX invoices_customer ON invoices (customer_id);
ALTER TABLE invoices DROP COLUMN viewer_distributor_id;
ALTER TABLE invoices DROP COLUMN viewer_reseller_id;
