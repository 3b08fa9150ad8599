package accounts

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// defaultCurrency is a new organization's currency unless it says
// otherwise.
const defaultCurrency = "EUR"

// OrganizationUpdate holds the fields a PATCH may change; nil fields keep
// their values.
type OrganizationUpdate struct {
	Name       *string
	Email      *string
	Country    *string
	Currency   *string
	VATID      *string
	Address    *mercato.Address
	OnAccount  *bool
	FeePercent *string
}

// apply copies the fields that were sent into o.
func (u OrganizationUpdate) apply(o *mercato.Organization) {
	mercato.Patch(&o.Name, u.Name)
	mercato.Patch(&o.Email, u.Email)
	mercato.Patch(&o.Country, u.Country)
	mercato.Patch(&o.Currency, u.Currency)
	mercato.Patch(&o.VATID, u.VATID)
	mercato.Patch(&o.Address, u.Address)
	mercato.Patch(&o.OnAccount, u.OnAccount)
	mercato.Patch(&o.FeePercent, u.FeePercent)
}

// validOrganization is o.Validate with the currency checked against the
// codes Mercato bills in, which the domain type cannot see (they are
// pricing's, a package above it).
func validOrganization(o mercato.Organization) error {
	err := o.Validate()
	if _, known := pricing.MinorUnits(o.Currency); o.Currency == "" || known {
		return err
	}
	fe := mercato.FieldErrors(mercato.Fields(err))
	fe.Add("currency", "must be an ISO 4217 code of a currency Mercato bills in (%s)", strings.Join(pricing.Currencies(), ", "))
	return fe.Err("invalid organization")
}

// ListOrganizations lists the organizations visible to p.
func (s *Service) ListOrganizations(ctx context.Context, p mercato.Principal, f mercato.OrganizationFilter, page mercato.Page) ([]mercato.Organization, int64, error) {
	return s.reads.ListOrganizations(ctx, p, f, page)
}

// OrganizationPage lists the organizations visible to p by numbered page,
// with their total: Cloudesire's GET /api/company.
func (s *Service) OrganizationPage(ctx context.Context, p mercato.Principal, pg mercato.NumberedPage) ([]mercato.Organization, int, error) {
	return s.reads.OrganizationPage(ctx, p, pg)
}

// Organization returns one organization visible to p.
func (s *Service) Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error) {
	return s.reads.Organization(ctx, p, id)
}

// CreateOrganization creates an organization on p's behalf, billed in
// euros unless it says otherwise; a vendor without a fee_percent of its
// own pays the fee of the operator's rules (by product type, else the
// default: internal/channel's fee rules). The platform
// creates any kind; a distributor creates its resellers; a reseller its
// customers. The parent must be of the kind the channel allows; only the
// platform sets a fee or buying on account.
func (s *Service) CreateOrganization(ctx context.Context, p mercato.Principal, o mercato.Organization) (mercato.Organization, error) {
	terms := o.FeePercent != "" || o.OnAccount
	if o.Currency == "" {
		o.Currency = defaultCurrency
	}
	if err := validOrganization(o); err != nil {
		return o, err
	}
	if err := mayCreateOrganization(p, &o, terms); err != nil {
		return o, err
	}
	if o.Kind == mercato.KindPlatform {
		return o, mercato.Invalid("invalid organization", mercato.FieldError{Path: "kind", Message: "there is only one platform"})
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if err := checkParent(ctx, tx, p, o); err != nil {
			return err
		}
		if err := tx.InsertOrganization(ctx, &o); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "organization.create", "organization", o.ID, map[string]any{"kind": o.Kind, "name": o.Name, "parent_id": o.ParentID})
	})
	if err != nil {
		return o, fmt.Errorf("create organization: %w", err)
	}
	return o, nil
}

// checkParent checks that o's parent, if it names one, is visible to p and
// of a kind o may belong to; without one o belongs to the platform itself.
func checkParent(ctx context.Context, tx Tx, p mercato.Principal, o mercato.Organization) error {
	if o.ParentID == nil {
		return nil
	}
	parent, err := tx.Organization(ctx, p, *o.ParentID)
	if mercato.ErrorCode(err) == mercato.ENOTFOUND {
		return mercato.Invalid("invalid organization", mercato.FieldError{Path: "parent_id", Message: "no such organization", Value: *o.ParentID})
	}
	if err != nil {
		return err
	}
	if !slices.Contains(o.Kind.ParentKinds(), parent.Kind) {
		return mercato.Invalid("invalid organization", mercato.FieldError{Path: "parent_id", Message: fmt.Sprintf("a %s cannot belong to a %s", o.Kind, parent.Kind)})
	}
	return nil
}

// UpdateOrganization changes an organization visible to p: its own users,
// or whoever manages it above in the channel, may do so (with a role that
// writes: the front door refuses the others); only the platform changes
// fees and buying on account.
func (s *Service) UpdateOrganization(ctx context.Context, p mercato.Principal, id int64, u OrganizationUpdate) (mercato.Organization, error) {
	var o mercato.Organization
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		if o, err = tx.Organization(ctx, p, id); err != nil {
			return err
		}
		if err := maySetTerms(p, u); err != nil {
			return err
		}
		u.apply(&o)
		if err := validOrganization(o); err != nil {
			return err
		}
		if err := tx.SaveOrganization(ctx, &o); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "organization.update", "organization", o.ID, map[string]any{"name": o.Name, "on_account": o.OnAccount, "fee_percent": o.FeePercent})
	})
	if err != nil {
		return o, fmt.Errorf("update organization %d: %w", id, err)
	}
	return o, nil
}
