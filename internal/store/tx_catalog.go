package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// The writes of the catalog, the price lists and the reviews for their
// services (internal/listing, internal/channel): plain SQL inside the
// caller's transaction. Reads on a caller's behalf apply the visibility
// rules of scope.go; who may change what, and whether it is valid, is the
// services' decision.

// Product returns a product visible to p.
func (tx *Tx) Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error) {
	return tx.s.product(ctx, tx.t, p, id)
}

// InsertProduct writes a new product, stamps its times and sets its id.
func (tx *Tx) InsertProduct(ctx context.Context, p *catalog.Product) error {
	meta, params, err := productJSON(*p)
	if err != nil {
		return err
	}
	now := tx.s.now()
	if err := tx.t.QueryRowContext(ctx, `INSERT INTO products (vendor_id, name, description, type, published, requires_approval, metadata, parameters, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
		p.VendorID, p.Name, p.Description, p.Type, p.Published, p.RequiresApproval, meta, params, now, now).Scan(&p.ID); err != nil {
		return fmt.Errorf("insert product: %w", err)
	}
	p.CreatedAt, p.UpdatedAt = now, now
	return nil
}

// SaveProduct writes a product's changeable fields and stamps its
// UpdatedAt.
func (tx *Tx) SaveProduct(ctx context.Context, p *catalog.Product) error {
	meta, params, err := productJSON(*p)
	if err != nil {
		return err
	}
	now := tx.s.now()
	if _, err = tx.t.ExecContext(ctx, `UPDATE products SET name=$1, description=$2, published=$3, requires_approval=$4, metadata=$5, parameters=$6, updated_at=$7 WHERE id=$8`,
		p.Name, p.Description, p.Published, p.RequiresApproval, meta, params, now, p.ID); err != nil {
		return fmt.Errorf("save product: %w", err)
	}
	p.UpdatedAt = now
	return nil
}

func productJSON(p catalog.Product) (meta, params string, err error) {
	if meta, err = jsonText(p.Metadata); err != nil {
		return "", "", err
	}
	params, err = jsonText(p.Parameters)
	return meta, params, err
}

// ProductSubscriptions counts a product's subscriptions in any status: a
// customer's only when customerID is set, everyone's otherwise.
func (tx *Tx) ProductSubscriptions(ctx context.Context, productID, customerID int64) (int, error) {
	q := &query{}
	q.add("SELECT COUNT(*) FROM subscriptions WHERE product_id = %a", productID)
	if customerID != 0 {
		q.add(" AND customer_id = %a", customerID)
	}
	var n int
	if err := tx.t.QueryRowContext(ctx, q.String(), q.args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count subscriptions: %w", err)
	}
	return n, nil
}

// DeleteProduct removes a product with its plans, their price history,
// their price-list entries and their places in curations.
func (tx *Tx) DeleteProduct(ctx context.Context, id int64) error {
	for _, stmt := range []string{
		`DELETE FROM price_list_entries WHERE plan_id IN (SELECT id FROM plans WHERE product_id = $1)`,
		`DELETE FROM curated_plans WHERE plan_id IN (SELECT id FROM plans WHERE product_id = $1)`,
		`DELETE FROM curated_products WHERE product_id = $1`,
		`DELETE FROM plan_prices WHERE plan_id IN (SELECT id FROM plans WHERE product_id = $1)`,
		`DELETE FROM plans WHERE product_id = $1`,
		`DELETE FROM products WHERE id = $1`,
	} {
		if _, err := tx.t.ExecContext(ctx, stmt, id); err != nil {
			return fmt.Errorf("delete product: %w", err)
		}
	}
	return nil
}

// InsertPlan writes a new plan, stamps its times and sets its id.
func (tx *Tx) InsertPlan(ctx context.Context, plan *catalog.Plan) error {
	pricingJSON, meta, err := planJSON(*plan)
	if err != nil {
		return err
	}
	now := tx.s.now()
	if err := tx.t.QueryRowContext(ctx, `INSERT INTO plans (product_id, name, description, pricing, metadata, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id`,
		plan.ProductID, plan.Name, plan.Description, pricingJSON, meta, now, now).Scan(&plan.ID); err != nil {
		return fmt.Errorf("insert plan: %w", err)
	}
	plan.CreatedAt, plan.UpdatedAt = now, now
	return nil
}

// SavePlan writes a plan's changeable fields and stamps its UpdatedAt.
func (tx *Tx) SavePlan(ctx context.Context, plan *catalog.Plan) error {
	pricingJSON, meta, err := planJSON(*plan)
	if err != nil {
		return err
	}
	now := tx.s.now()
	if _, err := tx.t.ExecContext(ctx, `UPDATE plans SET name=$1, description=$2, pricing=$3, metadata=$4, updated_at=$5 WHERE id=$6`,
		plan.Name, plan.Description, pricingJSON, meta, now, plan.ID); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	plan.UpdatedAt = now
	return nil
}

// InsertPlanPrice records that a plan's pricing took effect now, in its
// price history.
func (tx *Tx) InsertPlanPrice(ctx context.Context, planID int64, p pricing.Pricing) error {
	text, err := jsonText(p)
	if err != nil {
		return err
	}
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO plan_prices (plan_id, pricing, effective_at) VALUES ($1,$2,$3)`, planID, text, tx.s.now()); err != nil {
		return fmt.Errorf("insert price of plan %d: %w", planID, err)
	}
	return nil
}

func planJSON(plan catalog.Plan) (pricingJSON, meta string, err error) {
	if pricingJSON, err = jsonText(plan.Pricing); err != nil {
		return "", "", err
	}
	meta, err = jsonText(plan.Metadata)
	return pricingJSON, meta, err
}

// RetirePlan marks a plan deleted: it is no longer read as live, and the
// subscriptions on it keep it.
func (tx *Tx) RetirePlan(ctx context.Context, id int64) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE plans SET deleted = TRUE, updated_at = $1 WHERE id = $2`, tx.s.now(), id); err != nil {
		return fmt.Errorf("retire plan: %w", err)
	}
	return nil
}

// PutPrice writes an organization's markup on a plan, replacing the one
// it had.
func (tx *Tx) PutPrice(ctx context.Context, e pricing.PriceListEntry) error {
	_, err := tx.t.ExecContext(ctx, `INSERT INTO price_list_entries (organization_id, plan_id, kind, value, updated_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (organization_id, plan_id) DO UPDATE SET kind = excluded.kind, value = excluded.value, updated_at = excluded.updated_at`,
		e.OrganizationID, e.PlanID, e.Markup.Kind, e.Markup.Value.String(), tx.s.now())
	if err != nil {
		return fmt.Errorf("put price: %w", err)
	}
	return nil
}

// DeletePrice removes an organization's markup on a plan and reports
// whether there was one.
func (tx *Tx) DeletePrice(ctx context.Context, orgID, planID int64) (bool, error) {
	res, err := tx.t.ExecContext(ctx, `DELETE FROM price_list_entries WHERE organization_id = $1 AND plan_id = $2`, orgID, planID)
	if err != nil {
		return false, fmt.Errorf("delete price: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// PutReview writes a customer's review of a product, written by user,
// replacing the one it had (which keeps its id and CreatedAt); it sets the
// review's id and times.
func (tx *Tx) PutReview(ctx context.Context, r *catalog.Review, userID int64) error {
	now := tx.s.now()
	err := tx.t.QueryRowContext(ctx, `INSERT INTO reviews (product_id, customer_id, user_id, rating, body, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$6)
		ON CONFLICT (product_id, customer_id) DO UPDATE SET rating = excluded.rating, body = excluded.body, user_id = excluded.user_id, updated_at = excluded.updated_at
		RETURNING id, created_at`, r.ProductID, r.CustomerID, userID, r.Rating, r.Body, now).Scan(&r.ID, &r.CreatedAt)
	if err != nil {
		return fmt.Errorf("put review: %w", err)
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), now
	return nil
}

// PlanMarkups returns every price-list entry on a plan, each with the
// markup of its distributor's entry beneath it (for a reseller under a
// distributor that marks the plan up).
func (tx *Tx) PlanMarkups(ctx context.Context, planID int64) ([]pricing.MarkedUp, error) {
	rows, err := tx.t.QueryContext(ctx, `SELECT e.organization_id, e.kind, e.value, dp.kind, dp.value FROM price_list_entries e
		JOIN organizations o ON o.id = e.organization_id
		LEFT JOIN organizations d ON d.id = o.parent_id AND o.kind = 'reseller'
		LEFT JOIN price_list_entries dp ON dp.organization_id = d.id AND dp.plan_id = e.plan_id
		WHERE e.plan_id = $1 ORDER BY e.organization_id`, planID)
	if err != nil {
		return nil, fmt.Errorf("markups of plan %d: %w", planID, err)
	}
	defer rows.Close()
	var out []pricing.MarkedUp
	for rows.Next() {
		m := pricing.MarkedUp{Entry: pricing.PriceListEntry{PlanID: planID}}
		var dKind, dValue sql.NullString
		if err := rows.Scan(&m.Entry.OrganizationID, &m.Entry.Markup.Kind, &m.Entry.Markup.Value, &dKind, &dValue); err != nil {
			return nil, fmt.Errorf("scan markup: %w", err)
		}
		if dKind.Valid {
			v, err := decimal.NewFromString(dValue.String)
			if err != nil {
				return nil, fmt.Errorf("markup value %q: %w", dValue.String, err)
			}
			m.Beneath = []pricing.Markup{{Kind: dKind.String, Value: v}}
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
