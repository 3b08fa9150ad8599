package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

const orgColumns = "o.id, o.kind, o.name, o.parent_id, o.email, o.country, o.currency, o.vat_id, o.on_account, o.fee_percent, o.created_at, o.updated_at"

func scanOrg(row scanner) (mercato.Organization, error) {
	var o mercato.Organization
	var parent sql.NullInt64
	err := row.Scan(&o.ID, &o.Kind, &o.Name, &parent, &o.Email, &o.Country, &o.Currency, &o.VATID, &o.OnAccount, &o.FeePercent, &o.CreatedAt, &o.UpdatedAt)
	if parent.Valid {
		o.ParentID = &parent.Int64
	}
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

// OrganizationFilter narrows a list of organizations.
type OrganizationFilter struct {
	Kind     mercato.OrgKind
	ParentID int64
}

// ListOrganizations lists the organizations visible to p.
func (s *Store) ListOrganizations(ctx context.Context, p mercato.Principal, f OrganizationFilter, page Page) ([]mercato.Organization, int64, error) {
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

// Organization returns one organization visible to p.
func (s *Store) Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error) {
	return s.organization(ctx, s.rd(), p, id)
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

// validateOrganization checks the fields every organization must have.
func validateOrganization(o mercato.Organization) error {
	var fe mercato.FieldErrors
	if !o.Kind.Valid() {
		fe.Add("kind", "must be one of platform, vendor, distributor, reseller, customer")
	}
	if o.Name == "" || len(o.Name) > 200 || !mercato.ValidText(o.Name) {
		fe.Add("name", "is required: at most 200 characters, without control or bidirectional-override characters")
	}
	if _, ok := pricing.MinorUnits(o.Currency); o.Currency != "" && !ok {
		fe.Add("currency", "must be an ISO 4217 code of a currency Mercato bills in (%s)", strings.Join(pricing.Currencies(), ", "))
	}
	if o.Country != "" && !mercato.ValidCountry(o.Country) {
		fe.Add("country", "must be an ISO 3166-1 alpha-2 code, upper case (IT, DE, US…)")
	}
	if o.Email != "" && !mercato.ValidEmail(o.Email) {
		fe.Add("email", "must be a plain e-mail address")
	}
	if !mercato.ValidText(o.VATID) || len(o.VATID) > 32 {
		fe.Add("vat_id", "at most 32 characters, without control characters")
	}
	if o.FeePercent != "" {
		d, err := decimal.NewFromString(o.FeePercent)
		if err != nil || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100)) {
			fe.Add("fee_percent", "must be a decimal between 0 and 100")
		}
	}
	return fe.Err("invalid organization")
}

// CreateOrganization creates an organization on p's behalf. The platform
// creates any kind; a distributor creates its resellers; a reseller its
// customers. The parent must be of the kind the channel allows.
func (s *Store) CreateOrganization(ctx context.Context, p mercato.Principal, o mercato.Organization) (mercato.Organization, error) {
	if o.Currency == "" {
		o.Currency = "EUR"
	}
	if o.FeePercent == "" {
		o.FeePercent = "20"
	}
	if err := validateOrganization(o); err != nil {
		return o, err
	}
	switch {
	case p.IsPlatform():
	case p.OrgKind == mercato.KindDistributor && o.Kind == mercato.KindReseller,
		p.OrgKind == mercato.KindReseller && o.Kind == mercato.KindCustomer:
		if o.ParentID == nil {
			o.ParentID = &p.OrgID
		}
		if *o.ParentID != p.OrgID {
			return o, mercato.Invalid("invalid organization", mercato.FieldError{Path: "parent_id", Message: "must be your own organization"})
		}
	default:
		return o, mercato.Errorf(mercato.EFORBIDDEN, "a %s may not create %s organizations", p.OrgKind, o.Kind)
	}
	if o.Kind == mercato.KindPlatform {
		return o, mercato.Invalid("invalid organization", mercato.FieldError{Path: "kind", Message: "there is only one platform"})
	}
	err := s.tx(ctx, func(tx *txn) error {
		if err := s.checkParent(ctx, tx, p, o); err != nil {
			return err
		}
		now := s.now()
		o.CreatedAt, o.UpdatedAt = now, now
		if err := tx.QueryRowContext(ctx, `INSERT INTO organizations (kind, name, parent_id, email, country, currency, vat_id, on_account, fee_percent, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
			o.Kind, o.Name, o.ParentID, o.Email, o.Country, o.Currency, o.VATID, o.OnAccount, o.FeePercent, now, now).Scan(&o.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "organization.create", "organization", o.ID, map[string]any{"kind": o.Kind, "name": o.Name, "parent_id": o.ParentID})
	})
	if err != nil {
		return o, fmt.Errorf("create organization: %w", err)
	}
	return o, nil
}

func (s *Store) checkParent(ctx context.Context, db queryer, p mercato.Principal, o mercato.Organization) error {
	kinds := o.Kind.ParentKinds()
	if o.ParentID == nil {
		return nil // belongs to the platform directly
	}
	parent, err := s.organization(ctx, db, p, *o.ParentID)
	if err != nil {
		return mercato.Invalid("invalid organization", mercato.FieldError{Path: "parent_id", Message: "no such organization", Value: *o.ParentID})
	}
	if !slices.Contains(kinds, parent.Kind) {
		return mercato.Invalid("invalid organization", mercato.FieldError{Path: "parent_id", Message: fmt.Sprintf("a %s cannot belong to a %s", o.Kind, parent.Kind)})
	}
	return nil
}

// OrganizationUpdate holds the fields a PATCH may change.
type OrganizationUpdate struct {
	Name       *string
	Email      *string
	Country    *string
	Currency   *string
	VATID      *string
	OnAccount  *bool
	FeePercent *string
}

// UpdateOrganization changes an organization: its own admins, or whoever
// manages it above in the channel, may do so; only the platform changes
// fees and buying on account.
func (s *Store) UpdateOrganization(ctx context.Context, p mercato.Principal, id int64, u OrganizationUpdate) (mercato.Organization, error) {
	var o mercato.Organization
	err := s.tx(ctx, func(tx *txn) error {
		var err error
		o, err = s.organization(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if (u.FeePercent != nil || u.OnAccount != nil) && !p.IsPlatform() {
			return mercato.Errorf(mercato.EFORBIDDEN, "only the platform sets fees and buying on account")
		}
		set(&o.Name, u.Name)
		set(&o.Email, u.Email)
		set(&o.Country, u.Country)
		set(&o.Currency, u.Currency)
		set(&o.VATID, u.VATID)
		set(&o.OnAccount, u.OnAccount)
		set(&o.FeePercent, u.FeePercent)
		if err := validateOrganization(o); err != nil {
			return err
		}
		o.UpdatedAt = s.now()
		if _, err = tx.ExecContext(ctx, `UPDATE organizations SET name=$1, email=$2, country=$3, currency=$4, vat_id=$5, on_account=$6, fee_percent=$7, updated_at=$8 WHERE id=$9`,
			o.Name, o.Email, o.Country, o.Currency, o.VATID, o.OnAccount, o.FeePercent, o.UpdatedAt, o.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, p, "organization.update", "organization", o.ID, map[string]any{"name": o.Name, "on_account": o.OnAccount, "fee_percent": o.FeePercent})
	})
	if err != nil {
		return o, fmt.Errorf("update organization %d: %w", id, err)
	}
	return o, nil
}

// set copies *v into *dst when v is not nil (a PATCH field that was sent).
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
