package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// The catalog as stored: products, plans and the channel's price lists,
// read within the visibility rules of scope.go. Who may write what, and
// what a valid product, plan or markup is, is decided by internal/listing
// and internal/channel; the writes are in tx_catalog.go.

const productColumns = "p.id, p.vendor_id, p.name, p.description, p.type, p.published, p.requires_approval, p.metadata, p.parameters, p.created_at, p.updated_at"

func scanProduct(row scanner) (catalog.Product, error) {
	var p catalog.Product
	err := row.Scan(&p.ID, &p.VendorID, &p.Name, &p.Description, &p.Type, &p.Published, &p.RequiresApproval,
		jsonColumn{&p.Metadata}, jsonColumn{&p.Parameters}, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// ListProducts lists the products visible to p.
func (s *Store) ListProducts(ctx context.Context, pr mercato.Principal, f catalog.ProductFilter, page Page) ([]catalog.Product, int64, error) {
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
	productSearch(q, f.Query)
	curatedProducts(q, f.Within)
	return list(ctx, s.rd(), q, "p.id", page, "products", scanProduct, func(p catalog.Product) int64 { return p.ID })
}

// productSearch adds the condition of a catalog search: words found, in
// any case, in the product's name or description or its vendor's name
// (LIKE's wildcards in them taken as they are).
func productSearch(q *query, words string) {
	if words == "" {
		return
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(strings.ToLower(words)) + "%"
	q.add(` AND (LOWER(p.name) LIKE %a ESCAPE '\' OR LOWER(p.description) LIKE %a ESCAPE '\'`+
		` OR p.vendor_id IN (SELECT o.id FROM organizations o WHERE o.kind = 'vendor' AND LOWER(o.name) LIKE %a ESCAPE '\'))`, pattern, pattern, pattern)
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

const planColumns = "pl.id, pl.product_id, pl.name, pl.description, pl.pricing, pl.metadata, pl.created_at, pl.updated_at"

func scanPlan(row scanner) (catalog.Plan, error) {
	var p catalog.Plan
	err := row.Scan(&p.ID, &p.ProductID, &p.Name, &p.Description, jsonColumn{&p.Pricing}, jsonColumn{&p.Metadata}, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// ListPlans lists the live plans of a product visible to p (within a
// curation, when not nil).
func (s *Store) ListPlans(ctx context.Context, pr mercato.Principal, productID int64, within *catalog.Curation, page Page) ([]catalog.Plan, int64, error) {
	if _, err := s.Product(ctx, pr, productID); err != nil {
		return nil, 0, err
	}
	q := &query{}
	q.add("SELECT "+planColumns+" FROM plans pl WHERE pl.product_id = %a AND NOT pl.deleted", productID)
	curatedPlans(q, within)
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

// PriceList returns the markups of an organization visible to pr.
func (s *Store) PriceList(ctx context.Context, pr mercato.Principal, orgID int64) ([]pricing.PriceListEntry, error) {
	if _, err := s.organization(ctx, s.rd(), pr, orgID); err != nil {
		return nil, err
	}
	rows, err := s.rd().QueryContext(ctx, `SELECT organization_id, plan_id, kind, value FROM price_list_entries WHERE organization_id = $1 ORDER BY plan_id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("price list: %w", err)
	}
	defer rows.Close()
	var out []pricing.PriceListEntry
	for rows.Next() {
		var e pricing.PriceListEntry
		if err := rows.Scan(&e.OrganizationID, &e.PlanID, &e.Markup.Kind, &e.Markup.Value); err != nil {
			return nil, fmt.Errorf("scan price: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PlanPrices returns a plan's price history, oldest first.
func (s *Store) PlanPrices(ctx context.Context, planID int64) ([]catalog.PriceVersion, error) {
	rows, err := s.rd().QueryContext(ctx, `SELECT pricing, effective_at FROM plan_prices WHERE plan_id = $1 ORDER BY effective_at, id`, planID)
	if err != nil {
		return nil, fmt.Errorf("prices of plan %d: %w", planID, err)
	}
	defer rows.Close()
	var out []catalog.PriceVersion
	for rows.Next() {
		var v catalog.PriceVersion
		if err := rows.Scan(jsonColumn{&v.Pricing}, &v.EffectiveAt); err != nil {
			return nil, fmt.Errorf("scan price of plan %d: %w", planID, err)
		}
		v.EffectiveAt = v.EffectiveAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}
