package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

const productColumns = "p.id, p.vendor_id, p.name, p.description, p.type, p.published, p.requires_approval, p.metadata, p.parameters, p.created_at, p.updated_at"

func scanProduct(row scanner) (catalog.Product, error) {
	var p catalog.Product
	err := row.Scan(&p.ID, &p.VendorID, &p.Name, &p.Description, &p.Type, &p.Published, &p.RequiresApproval,
		jsonColumn{&p.Metadata}, jsonColumn{&p.Parameters}, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// ProductFilter narrows a list of products.
type ProductFilter struct {
	Type      catalog.ProductType
	VendorID  int64
	Published *bool
}

// ListProducts lists the products visible to p.
func (s *Store) ListProducts(ctx context.Context, pr mercato.Principal, f ProductFilter, page Page) ([]catalog.Product, int64, error) {
	q := &query{}
	q.add("SELECT " + productColumns + " FROM products p WHERE ")
	productScope(q, pr, "p.vendor_id", "p.published")
	if f.Type != "" {
		q.add(" AND p.type = %a", string(f.Type))
	}
	if f.VendorID != 0 {
		q.add(" AND p.vendor_id = %a", f.VendorID)
	}
	if f.Published != nil {
		q.add(" AND p.published = %a", *f.Published)
	}
	return list(ctx, s.rd(), q, "p.id", page, "products", scanProduct, func(p catalog.Product) int64 { return p.ID })
}

// Product returns one product visible to p.
func (s *Store) Product(ctx context.Context, pr mercato.Principal, id int64) (catalog.Product, error) {
	return s.product(ctx, s.rd(), pr, id)
}

func (s *Store) product(ctx context.Context, db queryer, pr mercato.Principal, id int64) (catalog.Product, error) {
	q := &query{}
	q.add("SELECT "+productColumns+" FROM products p WHERE p.id = %a AND ", id)
	productScope(q, pr, "p.vendor_id", "p.published")
	p, err := scanProduct(db.QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return p, notFoundIfNoRows(err, "product", id)
	}
	return p, nil
}

// ownProduct returns a product p may change: visible, and p is its vendor
// or the platform (a visible product of another vendor is forbidden).
func (s *Store) ownProduct(ctx context.Context, db queryer, pr mercato.Principal, id int64) (catalog.Product, error) {
	p, err := s.product(ctx, db, pr, id)
	if err != nil {
		return p, err
	}
	if !pr.IsPlatform() && p.VendorID != pr.OrgID {
		return p, mercato.Errorf(mercato.EFORBIDDEN, "product %d belongs to another vendor", id)
	}
	return p, nil
}

func validateProduct(p catalog.Product) error {
	var fe mercato.FieldErrors
	if p.Name == "" || len(p.Name) > 200 {
		fe.Add("name", "is required (at most 200 characters)")
	}
	if !p.Type.Valid() {
		fe.Add("type", "must be one of saas, microsoft_csp, azure_plan, azure_marketplace_vm, arm_template, service")
	}
	if len(p.Description) > 20000 {
		fe.Add("description", "at most 20000 characters")
	}
	validateMetadata(&fe, "metadata", p.Metadata)
	if err := catalog.ValidateParameters(p.Parameters); err != nil {
		fe = append(fe, mercato.Fields(err)...)
	}
	return fe.Err("invalid product")
}

func validateMetadata(fe *mercato.FieldErrors, path string, m map[string]string) {
	for k, v := range m {
		if k == "" || len(k) > 200 {
			fe.Add(path, "keys must have 1 to 200 characters")
		}
		if len(v) > 1<<20 {
			fe.Add(path+"."+k, "at most 1 MiB")
		}
	}
}

// CreateProduct creates a product for a vendor: the vendor itself or the
// platform may.
func (s *Store) CreateProduct(ctx context.Context, pr mercato.Principal, p catalog.Product) (catalog.Product, error) {
	if p.Metadata == nil {
		p.Metadata = map[string]string{}
	}
	if p.Parameters == nil {
		p.Parameters = []catalog.Parameter{}
	}
	if p.VendorID == 0 && pr.OrgKind == mercato.KindVendor {
		p.VendorID = pr.OrgID
	}
	if err := validateProduct(p); err != nil {
		return p, err
	}
	err := s.tx(ctx, func(tx *txn) error {
		vendor, err := s.organization(ctx, tx, pr, p.VendorID)
		if err != nil || vendor.Kind != mercato.KindVendor {
			return mercato.Invalid("invalid product", mercato.FieldError{Path: "vendor_id", Message: "no such vendor", Value: p.VendorID})
		}
		if !pr.IsPlatform() && pr.OrgID != p.VendorID {
			return mercato.Errorf(mercato.EFORBIDDEN, "only the vendor or the platform creates its products")
		}
		meta, err := jsonText(p.Metadata)
		if err != nil {
			return err
		}
		params, err := jsonText(p.Parameters)
		if err != nil {
			return err
		}
		now := s.now()
		p.CreatedAt, p.UpdatedAt = now, now
		if err := tx.QueryRowContext(ctx, `INSERT INTO products (vendor_id, name, description, type, published, requires_approval, metadata, parameters, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
			p.VendorID, p.Name, p.Description, p.Type, p.Published, p.RequiresApproval, meta, params, now, now).Scan(&p.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, pr, "product.create", "product", p.ID, map[string]any{"vendor_id": p.VendorID, "name": p.Name, "type": p.Type, "published": p.Published})
	})
	if err != nil {
		return p, fmt.Errorf("create product: %w", err)
	}
	return p, nil
}

// ProductUpdate holds the fields a PATCH may change.
type ProductUpdate struct {
	Name             *string
	Description      *string
	Published        *bool
	RequiresApproval *bool
	Metadata         *map[string]string
	Parameters       *[]catalog.Parameter
}

// UpdateProduct changes one of p's products.
func (s *Store) UpdateProduct(ctx context.Context, pr mercato.Principal, id int64, u ProductUpdate) (catalog.Product, error) {
	var p catalog.Product
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		if p, err = s.ownProduct(ctx, tx, pr, id); err != nil {
			return err
		}
		set(&p.Name, u.Name)
		set(&p.Description, u.Description)
		set(&p.Published, u.Published)
		set(&p.RequiresApproval, u.RequiresApproval)
		set(&p.Metadata, u.Metadata)
		set(&p.Parameters, u.Parameters)
		if err := validateProduct(p); err != nil {
			return err
		}
		meta, err := jsonText(p.Metadata)
		if err != nil {
			return err
		}
		params, err := jsonText(p.Parameters)
		if err != nil {
			return err
		}
		p.UpdatedAt = s.now()
		if _, err = tx.ExecContext(ctx, `UPDATE products SET name=$1, description=$2, published=$3, requires_approval=$4, metadata=$5, parameters=$6, updated_at=$7 WHERE id=$8`,
			p.Name, p.Description, p.Published, p.RequiresApproval, meta, params, p.UpdatedAt, p.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, pr, "product.update", "product", p.ID, map[string]any{"name": p.Name, "published": p.Published, "requires_approval": p.RequiresApproval})
	})
	if err != nil {
		return p, fmt.Errorf("update product %d: %w", id, err)
	}
	return p, nil
}

// DeleteProduct removes a product that nobody has bought, with its plans.
func (s *Store) DeleteProduct(ctx context.Context, pr mercato.Principal, id int64) error {
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := s.ownProduct(ctx, tx, pr, id); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE product_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return mercato.Errorf(mercato.ECONFLICT, "product %d has %d subscriptions: unpublish it instead", id, n)
		}
		for _, stmt := range []string{
			`DELETE FROM price_list_entries WHERE plan_id IN (SELECT id FROM plans WHERE product_id = $1)`,
			`DELETE FROM plans WHERE product_id = $1`,
			`DELETE FROM products WHERE id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, id); err != nil {
				return err
			}
		}
		return s.audit(ctx, tx, pr, "product.delete", "product", id, nil)
	})
	if err != nil {
		return fmt.Errorf("delete product %d: %w", id, err)
	}
	return nil
}

const planColumns = "pl.id, pl.product_id, pl.name, pl.description, pl.pricing, pl.metadata, pl.created_at, pl.updated_at"

func scanPlan(row scanner) (catalog.Plan, error) {
	var p catalog.Plan
	err := row.Scan(&p.ID, &p.ProductID, &p.Name, &p.Description, jsonColumn{&p.Pricing}, jsonColumn{&p.Metadata}, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// ListPlans lists the live plans of a product visible to p.
func (s *Store) ListPlans(ctx context.Context, pr mercato.Principal, productID int64, page Page) ([]catalog.Plan, int64, error) {
	if _, err := s.Product(ctx, pr, productID); err != nil {
		return nil, 0, err
	}
	q := &query{}
	q.add("SELECT "+planColumns+" FROM plans pl WHERE pl.product_id = %a AND NOT pl.deleted", productID)
	return list(ctx, s.rd(), q, "pl.id", page, "plans", scanPlan, func(p catalog.Plan) int64 { return p.ID })
}

// Plan returns a live plan whose product is visible to p, with its product.
func (s *Store) Plan(ctx context.Context, pr mercato.Principal, id int64) (catalog.Plan, catalog.Product, error) {
	return s.plan(ctx, s.rd(), pr, id)
}

func (s *Store) plan(ctx context.Context, db queryer, pr mercato.Principal, id int64) (catalog.Plan, catalog.Product, error) {
	q := &query{}
	q.add("SELECT "+planColumns+", "+productColumns+" FROM plans pl JOIN products p ON p.id = pl.product_id WHERE pl.id = %a AND NOT pl.deleted AND ", id)
	productScope(q, pr, "p.vendor_id", "p.published")
	var plan catalog.Plan
	var prod catalog.Product
	err := db.QueryRowContext(ctx, q.String(), q.args...).Scan(
		&plan.ID, &plan.ProductID, &plan.Name, &plan.Description, jsonColumn{&plan.Pricing}, jsonColumn{&plan.Metadata}, &plan.CreatedAt, &plan.UpdatedAt,
		&prod.ID, &prod.VendorID, &prod.Name, &prod.Description, &prod.Type, &prod.Published, &prod.RequiresApproval,
		jsonColumn{&prod.Metadata}, jsonColumn{&prod.Parameters}, &prod.CreatedAt, &prod.UpdatedAt)
	if err != nil {
		return plan, prod, notFoundIfNoRows(err, "plan", id)
	}
	plan.CreatedAt, plan.UpdatedAt = plan.CreatedAt.UTC(), plan.UpdatedAt.UTC()
	prod.CreatedAt, prod.UpdatedAt = prod.CreatedAt.UTC(), prod.UpdatedAt.UTC()
	return plan, prod, nil
}

func validatePlan(p catalog.Plan) error {
	var fe mercato.FieldErrors
	if p.Name == "" || len(p.Name) > 200 {
		fe.Add("name", "is required (at most 200 characters)")
	}
	validateMetadata(&fe, "metadata", p.Metadata)
	if err := p.Pricing.Validate(); err != nil {
		fe = append(fe, mercato.Fields(mercato.Prefixed(err, "pricing."))...)
	}
	return fe.Err("invalid plan")
}

// CreatePlan adds a plan to one of p's products and writes a
// ProductVersion CREATED event.
func (s *Store) CreatePlan(ctx context.Context, pr mercato.Principal, plan catalog.Plan) (catalog.Plan, error) {
	if plan.Metadata == nil {
		plan.Metadata = map[string]string{}
	}
	if err := validatePlan(plan); err != nil {
		return plan, err
	}
	err := s.tx(ctx, func(tx *txn) error {
		if _, err := s.ownProduct(ctx, tx, pr, plan.ProductID); err != nil {
			return err
		}
		pricingJSON, err := jsonText(plan.Pricing)
		if err != nil {
			return err
		}
		meta, err := jsonText(plan.Metadata)
		if err != nil {
			return err
		}
		now := s.now()
		plan.CreatedAt, plan.UpdatedAt = now, now
		if err := tx.QueryRowContext(ctx, `INSERT INTO plans (product_id, name, description, pricing, metadata, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`,
			plan.ProductID, plan.Name, plan.Description, pricingJSON, meta, now, now).Scan(&plan.ID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, pr, "plan.create", "plan", plan.ID, map[string]any{"product_id": plan.ProductID, "name": plan.Name, "pricing": plan.Pricing}); err != nil {
			return err
		}
		return s.recordEvent(ctx, tx, subscription.EntityProductVersion, plan.ID, subscription.EventCreated, nil)
	})
	if err != nil {
		return plan, fmt.Errorf("create plan: %w", err)
	}
	return plan, nil
}

// PlanUpdate holds the fields a PATCH may change.
type PlanUpdate struct {
	Name        *string
	Description *string
	Pricing     *pricing.Pricing
	Metadata    *map[string]string
}

// UpdatePlan changes one of p's plans and writes a ProductVersion MODIFIED
// event. Running subscriptions keep their order's price until they renew.
func (s *Store) UpdatePlan(ctx context.Context, pr mercato.Principal, id int64, u PlanUpdate) (catalog.Plan, error) {
	var plan catalog.Plan
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		if plan, _, err = s.plan(ctx, tx, pr, id); err != nil {
			return err
		}
		if _, err := s.ownProduct(ctx, tx, pr, plan.ProductID); err != nil {
			return err
		}
		set(&plan.Name, u.Name)
		set(&plan.Description, u.Description)
		set(&plan.Pricing, u.Pricing)
		set(&plan.Metadata, u.Metadata)
		if err := validatePlan(plan); err != nil {
			return err
		}
		pricingJSON, err := jsonText(plan.Pricing)
		if err != nil {
			return err
		}
		meta, err := jsonText(plan.Metadata)
		if err != nil {
			return err
		}
		plan.UpdatedAt = s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET name=$1, description=$2, pricing=$3, metadata=$4, updated_at=$5 WHERE id=$6`,
			plan.Name, plan.Description, pricingJSON, meta, plan.UpdatedAt, plan.ID); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, pr, "plan.update", "plan", plan.ID, map[string]any{"name": plan.Name, "pricing": plan.Pricing}); err != nil {
			return err
		}
		return s.recordEvent(ctx, tx, subscription.EntityProductVersion, plan.ID, subscription.EventModified, nil)
	})
	if err != nil {
		return plan, fmt.Errorf("update plan %d: %w", id, err)
	}
	return plan, nil
}

// DeletePlan retires a plan: no new orders, running subscriptions go on.
// It writes a ProductVersion DELETED event.
func (s *Store) DeletePlan(ctx context.Context, pr mercato.Principal, id int64) error {
	err := s.tx(ctx, func(tx *txn) error {
		plan, _, err := s.plan(ctx, tx, pr, id)
		if err != nil {
			return err
		}
		if _, err := s.ownProduct(ctx, tx, pr, plan.ProductID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE plans SET deleted = TRUE, updated_at = $1 WHERE id = $2`, s.now(), id); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, pr, "plan.delete", "plan", id, nil); err != nil {
			return err
		}
		return s.recordEvent(ctx, tx, subscription.EntityProductVersion, id, subscription.EventDeleted, nil)
	})
	if err != nil {
		return fmt.Errorf("delete plan %d: %w", id, err)
	}
	return nil
}

// PriceListEntry is a distributor's or reseller's markup on a plan.
type PriceListEntry struct {
	OrganizationID int64
	PlanID         int64
	Markup         pricing.Markup
}

// SetPrice sets an organization's markup on a plan. A distributor or
// reseller sets its own; the platform sets anyone's.
func (s *Store) SetPrice(ctx context.Context, pr mercato.Principal, e PriceListEntry) (PriceListEntry, error) {
	var fe mercato.FieldErrors
	if e.Markup.Kind != "percentage" && e.Markup.Kind != "fixed" {
		fe.Add("kind", "must be percentage or fixed")
	}
	if e.Markup.Value.IsNegative() {
		fe.Add("value", "must not be negative")
	}
	if err := fe.Err("invalid price"); err != nil {
		return e, err
	}
	err := s.tx(ctx, func(tx *txn) error {
		org, err := s.organization(ctx, tx, pr, e.OrganizationID)
		if err != nil {
			return err
		}
		if org.Kind != mercato.KindDistributor && org.Kind != mercato.KindReseller {
			return mercato.Errorf(mercato.EINVALID, "only distributors and resellers keep price lists")
		}
		if !pr.IsPlatform() && pr.OrgID != org.ID {
			return mercato.Errorf(mercato.EFORBIDDEN, "you may only change your own price list")
		}
		if _, _, err := s.plan(ctx, tx, pr, e.PlanID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO price_list_entries (organization_id, plan_id, kind, value, updated_at) VALUES ($1,$2,$3,$4,$5)
			ON CONFLICT (organization_id, plan_id) DO UPDATE SET kind = excluded.kind, value = excluded.value, updated_at = excluded.updated_at`,
			e.OrganizationID, e.PlanID, e.Markup.Kind, e.Markup.Value.String(), s.now())
		if err != nil {
			return err
		}
		return s.audit(ctx, tx, pr, "price.set", "plan", e.PlanID, map[string]any{"organization_id": e.OrganizationID, "kind": e.Markup.Kind, "value": e.Markup.Value.String()})
	})
	if err != nil {
		return e, fmt.Errorf("set price: %w", err)
	}
	return e, nil
}

// PriceList returns an organization's markups.
func (s *Store) PriceList(ctx context.Context, pr mercato.Principal, orgID int64) ([]PriceListEntry, error) {
	if _, err := s.Organization(ctx, pr, orgID); err != nil {
		return nil, err
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT organization_id, plan_id, kind, value FROM price_list_entries WHERE organization_id = $1 ORDER BY plan_id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("price list: %w", err)
	}
	defer rows.Close()
	var out []PriceListEntry
	for rows.Next() {
		var e PriceListEntry
		if err := rows.Scan(&e.OrganizationID, &e.PlanID, &e.Markup.Kind, &e.Markup.Value); err != nil {
			return nil, fmt.Errorf("scan price: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeletePrice removes an organization's markup on a plan.
func (s *Store) DeletePrice(ctx context.Context, pr mercato.Principal, orgID, planID int64) error {
	org, err := s.Organization(ctx, pr, orgID)
	if err != nil {
		return err
	}
	if !pr.IsPlatform() && pr.OrgID != org.ID {
		return mercato.Errorf(mercato.EFORBIDDEN, "you may only change your own price list")
	}
	return s.tx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM price_list_entries WHERE organization_id = $1 AND plan_id = $2`, orgID, planID)
		if err != nil {
			return fmt.Errorf("delete price: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return mercato.NotFound("price of plan", strconv.FormatInt(planID, 10))
		}
		return s.audit(ctx, tx, pr, "price.delete", "plan", planID, map[string]any{"organization_id": orgID})
	})
}
