package store

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Numbered pages (Cloudesire's CMW-PageNumber and CMW-PageSize) of the
// catalog and the accounts, with their total and an order by one of the
// columns each list names.

// sorts maps each list's sort fields to its columns.
type sorts map[string]string

// numbered reads page pg of the rows of from (a table and its alias)
// matching where (conditions only), in the order pg asks, with the count
// of all of them. A sort field the list does not take is an EINVALID
// naming sortField (the transports check it first).
func numbered[T any](ctx context.Context, db queryer, cols, from string, where *query, by sorts, idCol string, pg NumberedPage, what string, scan func(scanner) (T, error)) ([]T, int, error) {
	pg.Size = min(max(pg.Size, 1), 200)
	pg.Number = max(pg.Number, 1)
	order := idCol
	if pg.Sort != "" && pg.Sort != mercato.SortID {
		col, ok := by[pg.Sort]
		if !ok {
			return nil, 0, mercato.Invalid("invalid sort", mercato.FieldError{Path: "sortField", Message: "cannot sort " + what + " by " + pg.Sort})
		}
		order = col
	}
	dir := ""
	if pg.Desc {
		dir = " DESC"
	}
	var total int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+from+" WHERE "+where.String(), where.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", what, err)
	}
	where.add(" ORDER BY "+order+dir+", "+idCol+dir+" LIMIT %a OFFSET %a", pg.Size, (pg.Number-1)*pg.Size)
	rows, err := db.QueryContext(ctx, "SELECT "+cols+" FROM "+from+" WHERE "+where.String(), where.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("scan %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}

// ProductPage is ListProducts by numbered page.
func (s *Store) ProductPage(ctx context.Context, pr mercato.Principal, f catalog.ProductFilter, pg NumberedPage) ([]catalog.Product, int, error) {
	q := &query{}
	productScope(q, pr, "p.vendor_id", "p.published")
	if f.VendorID != 0 {
		q.add(" AND p.vendor_id = %a", f.VendorID)
	}
	if f.Published != nil {
		q.add(" AND p.published = %a", *f.Published)
	}
	curatedProducts(q, f.Within)
	by := sorts{mercato.SortName: "p.name", mercato.SortCreated: "p.created_at", mercato.SortUpdated: "p.updated_at"}
	return numbered(ctx, s.rd(), productColumns, "products p", q, by, "p.id", pg, "products", scanProduct)
}

// PlanPage lists the live plans of the products visible to p (of one
// product when productID is not 0; within a curation, when not nil) by
// numbered page.
func (s *Store) PlanPage(ctx context.Context, pr mercato.Principal, productID int64, within *catalog.Curation, pg NumberedPage) ([]catalog.Plan, int, error) {
	q := &query{}
	q.add("NOT pl.deleted AND pl.product_id IN (SELECT p.id FROM products p WHERE ")
	productScope(q, pr, "p.vendor_id", "p.published")
	q.add(")")
	if productID != 0 {
		q.add(" AND pl.product_id = %a", productID)
	}
	curatedPlans(q, within)
	by := sorts{mercato.SortName: "pl.name", mercato.SortCreated: "pl.created_at", mercato.SortUpdated: "pl.updated_at"}
	return numbered(ctx, s.rd(), planColumns, "plans pl", q, by, "pl.id", pg, "plans", scanPlan)
}

// UserPage lists the users visible to p by numbered page.
func (s *Store) UserPage(ctx context.Context, p mercato.Principal, pg NumberedPage) ([]mercato.User, int, error) {
	q := &query{}
	orgScope(q, p, "u.organization_id")
	by := sorts{mercato.SortName: "u.name", mercato.SortEmail: "COALESCE(u.pending_email, u.email)", mercato.SortCreated: "u.created_at", mercato.SortUpdated: "u.updated_at"}
	return numbered(ctx, s.rd(), userColumns, "users u", q, by, "u.id", pg, "users", scanUser)
}

// OrganizationPage lists the organizations visible to p by numbered page.
func (s *Store) OrganizationPage(ctx context.Context, p mercato.Principal, pg NumberedPage) ([]mercato.Organization, int, error) {
	q := &query{}
	orgScope(q, p, "o.id")
	by := sorts{mercato.SortName: "o.name", mercato.SortEmail: "o.email", mercato.SortCreated: "o.created_at", mercato.SortUpdated: "o.updated_at"}
	return numbered(ctx, s.rd(), orgColumns, "organizations o", q, by, "o.id", pg, "organizations", scanOrg)
}
