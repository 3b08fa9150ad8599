package store

import (
	"context"
	"database/sql"

	"github.com/mercato-market/mercato/internal/mercato"
)

const orgColumns = "o.id, o.kind, o.name, o.parent_id, o.email, o.country, o.currency, o.vat_id, o.address_line, o.city, o.postal_code, o.on_account, o.fee_percent, o.created_at, o.updated_at"

func scanOrg(row scanner) (mercato.Organization, error) {
	var o mercato.Organization
	var parent sql.NullInt64
	err := row.Scan(&o.ID, &o.Kind, &o.Name, &parent, &o.Email, &o.Country, &o.Currency, &o.VATID, &o.Address.Line, &o.Address.City, &o.Address.PostalCode, &o.OnAccount, &o.FeePercent, &o.CreatedAt, &o.UpdatedAt)
	if parent.Valid {
		o.ParentID = &parent.Int64
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

// ListOrganizations lists the organizations visible to p.
func (s *Store) ListOrganizations(ctx context.Context, p mercato.Principal, f mercato.OrganizationFilter, page Page) ([]mercato.Organization, int64, error) {
	q := &query{}
	q.add("SELECT " + orgColumns + " FROM organizations o WHERE ")
	orgScope(q, p, "o.id")
	if f.Kind != "" {
		q.add(" AND o.kind = %a", string(f.Kind))
	}
	if f.ParentID != 0 {
		q.add(" AND o.parent_id = %a", f.ParentID)
	}
	return list(ctx, s.rd(), q, "o.id", page, "organizations", scanOrg, func(o mercato.Organization) int64 { return o.ID })
}

// Organization returns one organization visible to p. A vendor also
// reads the organizations that bought its products (a connector creates
// the buyer's account at the vendor's service from its company name,
// country and address); this read grants nothing else: the checks of the
// use cases (Tx.Organization) keep the scope of scope.go.
func (s *Store) Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error) {
	if p.OrgKind != mercato.KindVendor {
		return s.organization(ctx, s.rd(), p, id)
	}
	q := &query{}
	q.add("SELECT "+orgColumns+" FROM organizations o WHERE o.id = %a AND (o.id = %a OR o.id IN "+
		"(SELECT s.customer_id FROM subscriptions s JOIN products pr ON pr.id = s.product_id WHERE pr.vendor_id = %a))", id, p.OrgID, p.OrgID)
	o, err := scanOrg(s.rd().QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return o, notFoundIfNoRows(err, "organization", id)
	}
	return o, nil
}

func (s *Store) organization(ctx context.Context, db queryer, p mercato.Principal, id int64) (mercato.Organization, error) {
	q := &query{}
	q.add("SELECT "+orgColumns+" FROM organizations o WHERE o.id = %a AND ", id)
	orgScope(q, p, "o.id")
	o, err := scanOrg(db.QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return o, notFoundIfNoRows(err, "organization", id)
	}
	return o, nil
}

// orgByID reads an organization without visibility rules, for internal use.
func (s *Store) orgByID(ctx context.Context, db queryer, id int64) (mercato.Organization, error) {
	o, err := scanOrg(db.QueryRowContext(ctx, "SELECT "+orgColumns+" FROM organizations o WHERE o.id = $1", id))
	if err != nil {
		return o, notFoundIfNoRows(err, "organization", id)
	}
	return o, nil
}
