package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
)

// Curations as stored (migration 00038): a row of curations restricts its
// reseller to curated_products and curated_plans; no row is everything.
// Whose curation applies to a sale and who may set one is decided by
// internal/channel, internal/listing and internal/ordering.

// Curation returns a reseller's curation (All when it has none).
func (s *Store) Curation(ctx context.Context, resellerID int64) (catalog.Curation, error) {
	return curation(ctx, s.rd(), resellerID)
}

// CurationFor returns the curation that applies to a sale through the
// reseller resellerID, or (0) through the customer customerID's parent:
// the reseller's when that is a reseller of a distributor, else All (a
// reseller of the platform, a distributor's own customer or a direct sale
// are never curated).
func (s *Store) CurationFor(ctx context.Context, resellerID, customerID int64) (catalog.Curation, error) {
	return curationFor(ctx, s.rd(), resellerID, customerID)
}

// CurationFor is Store.CurationFor inside the transaction.
func (tx *Tx) CurationFor(ctx context.Context, resellerID, customerID int64) (catalog.Curation, error) {
	return curationFor(ctx, tx.t, resellerID, customerID)
}

func curationFor(ctx context.Context, db queryer, resellerID, customerID int64) (catalog.Curation, error) {
	var id sql.NullInt64
	err := db.QueryRowContext(ctx, `SELECT c.reseller_id FROM curations c
		JOIN organizations r ON r.id = c.reseller_id AND r.kind = 'reseller'
		JOIN organizations d ON d.id = r.parent_id AND d.kind = 'distributor'
		WHERE c.reseller_id = (CASE WHEN $1 > 0 THEN $1 ELSE (SELECT parent_id FROM organizations WHERE id = $2) END)`,
		resellerID, customerID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return catalog.Curation{ResellerID: resellerID, All: true}, nil
	}
	if err != nil {
		return catalog.Curation{}, fmt.Errorf("curation for %d/%d: %w", resellerID, customerID, err)
	}
	return curation(ctx, db, id.Int64)
}

func curation(ctx context.Context, db queryer, resellerID int64) (catalog.Curation, error) {
	c := catalog.Curation{ResellerID: resellerID, ProductIDs: []int64{}, PlanIDs: []int64{}}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM curations WHERE reseller_id = $1`, resellerID).Scan(&n); err != nil {
		return c, fmt.Errorf("curation of %d: %w", resellerID, err)
	}
	if n == 0 {
		c.All = true
		return c, nil
	}
	for _, l := range []struct {
		sql string
		ids *[]int64
	}{
		{`SELECT product_id FROM curated_products WHERE reseller_id = $1 ORDER BY product_id`, &c.ProductIDs},
		{`SELECT plan_id FROM curated_plans WHERE reseller_id = $1 ORDER BY plan_id`, &c.PlanIDs},
	} {
		rows, err := db.QueryContext(ctx, l.sql, resellerID)
		if err != nil {
			return c, fmt.Errorf("curation of %d: %w", resellerID, err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return c, fmt.Errorf("scan curation: %w", err)
			}
			*l.ids = append(*l.ids, id)
		}
		if err := rows.Close(); err != nil {
			return c, err
		}
		if err := rows.Err(); err != nil {
			return c, fmt.Errorf("curation of %d: %w", resellerID, err)
		}
	}
	return c, nil
}

// PutCuration replaces a reseller's curation: All removes it.
func (tx *Tx) PutCuration(ctx context.Context, c catalog.Curation) error {
	for _, stmt := range []string{`DELETE FROM curated_products WHERE reseller_id = $1`, `DELETE FROM curated_plans WHERE reseller_id = $1`, `DELETE FROM curations WHERE reseller_id = $1`} {
		if _, err := tx.t.ExecContext(ctx, stmt, c.ResellerID); err != nil {
			return fmt.Errorf("put curation: %w", err)
		}
	}
	if c.All {
		return nil
	}
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO curations (reseller_id, updated_at) VALUES ($1, $2)`, c.ResellerID, tx.s.now()); err != nil {
		return fmt.Errorf("put curation: %w", err)
	}
	for _, id := range c.ProductIDs {
		if _, err := tx.t.ExecContext(ctx, `INSERT INTO curated_products (reseller_id, product_id) VALUES ($1, $2)`, c.ResellerID, id); err != nil {
			return fmt.Errorf("put curation: %w", err)
		}
	}
	for _, id := range c.PlanIDs {
		if _, err := tx.t.ExecContext(ctx, `INSERT INTO curated_plans (reseller_id, plan_id) VALUES ($1, $2)`, c.ResellerID, id); err != nil {
			return fmt.Errorf("put curation: %w", err)
		}
	}
	return nil
}

// curatedProducts adds the condition of a catalog list within a curation
// (nil: none): the product p is one of its products or has one of its
// live plans.
func curatedProducts(q *query, within *catalog.Curation) {
	if within == nil || within.All {
		return
	}
	q.add(" AND (p.id IN (SELECT product_id FROM curated_products WHERE reseller_id = %a)"+
		" OR p.id IN (SELECT cpl.product_id FROM curated_plans cp JOIN plans cpl ON cpl.id = cp.plan_id WHERE cp.reseller_id = %a AND NOT cpl.deleted))",
		within.ResellerID, within.ResellerID)
}

// curatedPlans adds the condition of a plan list within a curation (nil:
// none): the plan pl is of one of its products or one of its plans.
func curatedPlans(q *query, within *catalog.Curation) {
	if within == nil || within.All {
		return
	}
	q.add(" AND (pl.product_id IN (SELECT product_id FROM curated_products WHERE reseller_id = %a)"+
		" OR pl.id IN (SELECT plan_id FROM curated_plans WHERE reseller_id = %a))", within.ResellerID, within.ResellerID)
}
