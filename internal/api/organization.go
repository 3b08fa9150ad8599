package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Organization is a company on the marketplace.
type Organization struct {
	ID         int64     `json:"id"`
	Kind       string    `json:"kind" enum:"platform,vendor,distributor,reseller,customer"`
	Name       string    `json:"name"`
	ParentID   *int64    `json:"parent_id" nullable:"true" doc:"the distributor of a reseller, the reseller of a customer"`
	Email      string    `json:"email"`
	Country    string    `json:"country"`
	Currency   string    `json:"currency"`
	VATID      string    `json:"vat_id" doc:"an EU VAT id (by its prefix or the country) has its country's format and check digit"`
	Address    *Address  `json:"address,omitempty"`
	OnAccount  bool      `json:"on_account" doc:"buys on account: orders are cleared for provisioning at once"`
	FeePercent string    `json:"fee_percent" doc:"a vendor's own fee rule: the operator's fee on all its sales, in percent; empty: the operator's fee rules by product type, else their default (/api/v1/operator/fee-rules)"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func organizationOf(o mercato.Organization) Organization {
	return Organization{ID: o.ID, Kind: string(o.Kind), Name: o.Name, ParentID: o.ParentID, Email: o.Email, Country: o.Country,
		Currency: o.Currency, VATID: o.VATID, Address: addressOf(o.Address), OnAccount: o.OnAccount, FeePercent: o.FeePercent, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

// OrganizationCreate is the body of POST /api/v1/organizations.
type OrganizationCreate struct {
	Kind       string   `json:"kind" enum:"vendor,distributor,reseller,customer"`
	Name       string   `json:"name" minLength:"1" maxLength:"200"`
	ParentID   *int64   `json:"parent_id,omitempty" minimum:"1"`
	Email      string   `json:"email,omitempty" maxLength:"254"`
	Country    string   `json:"country,omitempty" pattern:"^[A-Z]{2}$"`
	Currency   string   `json:"currency,omitempty" pattern:"^[A-Z]{3}$"`
	VATID      string   `json:"vat_id,omitempty" maxLength:"32" doc:"an EU VAT id must have its country's format and check digit"`
	Address    *Address `json:"address,omitempty"`
	OnAccount  bool     `json:"on_account,omitempty"`
	FeePercent string   `json:"fee_percent,omitempty" pattern:"^[0-9]{1,3}(\\.[0-9]{1,4})?$"`
}

// OrganizationUpdate is the body of PATCH /api/v1/organizations/{id}.
type OrganizationUpdate struct {
	Name       *string  `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Email      *string  `json:"email,omitempty" maxLength:"254"`
	Country    *string  `json:"country,omitempty" pattern:"^[A-Z]{2}$"`
	Currency   *string  `json:"currency,omitempty" pattern:"^[A-Z]{3}$"`
	VATID      *string  `json:"vat_id,omitempty" maxLength:"32" doc:"an EU VAT id must have its country's format and check digit"`
	Address    *Address `json:"address,omitempty"`
	OnAccount  *bool    `json:"on_account,omitempty"`
	FeePercent *string  `json:"fee_percent,omitempty" pattern:"^([0-9]{1,3}(\\.[0-9]{1,4})?)?$" doc:"empty removes the vendor's own fee rule"`
}

func (s *Server) registerOrganizations() {
	tags := []string{"Organizations"}
	register(s, huma.Operation{OperationID: "list-organizations", Description: "Lists the organizations the caller can see, oldest first, one page at a time: the platform sees all of them, a distributor or reseller also sees the organizations below it in its channel, everyone else its own. Filters by kind and parent. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/organizations", Summary: "List organizations you can see", Tags: tags},
		func(ctx context.Context, in *struct {
			ListInput
			Kind     string `query:"kind" enum:"platform,vendor,distributor,reseller,customer"`
			ParentID int64  `query:"parent_id" minimum:"0"`
		}) (*ListOutput[Organization], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]mercato.Organization, int64, error) {
				return s.services.Accounts.ListOrganizations(ctx, principal(ctx), mercato.OrganizationFilter{Kind: mercato.OrgKind(in.Kind), ParentID: in.ParentID}, p)
			}, organizationOf)
		})
	register(s, huma.Operation{OperationID: "get-organization", Description: "Returns one organization the caller can see; an organization outside the caller's visibility answers 404. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/organizations/{id}", Summary: "Get an organization", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Organization], error) {
			o, err := s.services.Accounts.Organization(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(organizationOf(o)), nil
		})
	register(s, huma.Operation{OperationID: "create-organization", Description: "Creates an organization. The platform creates vendors, distributors, resellers and customers; a distributor creates its resellers and a reseller its customers (parent_id defaults to the caller; another parent is a 422 naming parent_id), without fee_percent or on_account, which only the platform sets (403). Needs a role that writes; the creation is written to the audit log.", Method: http.MethodPost, Path: "/api/v1/organizations", Summary: "Create an organization", Tags: tags},
		func(ctx context.Context, in *struct{ Body OrganizationCreate }) (*Output[Organization], error) {
			b := in.Body
			o, err := s.services.Accounts.CreateOrganization(ctx, principal(ctx), mercato.Organization{
				Kind: mercato.OrgKind(b.Kind), Name: b.Name, ParentID: b.ParentID, Email: b.Email, Country: b.Country,
				Currency: b.Currency, VATID: b.VATID, Address: b.Address.domain(), OnAccount: b.OnAccount, FeePercent: b.FeePercent,
			})
			if err != nil {
				return nil, err
			}
			return out(organizationOf(o)), nil
		})
	register(s, huma.Operation{OperationID: "update-organization", Description: "Changes an organization's name, contact e-mail, country, currency, VAT id (an EU one is checked for format and check digit: 422 naming vat_id) or postal address (printed on its invoices; sent, it replaces the whole address); fields left out keep their values. Its own admins and the organizations above it in the channel may change it; only the platform sets fee_percent and on_account. Written to the audit log.", Method: http.MethodPatch, Path: "/api/v1/organizations/{id}", Summary: "Change an organization", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body OrganizationUpdate
		}) (*Output[Organization], error) {
			b := in.Body
			u := accounts.OrganizationUpdate{
				Name: b.Name, Email: b.Email, Country: b.Country, Currency: b.Currency, VATID: b.VATID, OnAccount: b.OnAccount, FeePercent: b.FeePercent,
			}
			if b.Address != nil {
				a := b.Address.domain()
				u.Address = &a
			}
			o, err := s.services.Accounts.UpdateOrganization(ctx, principal(ctx), in.ID, u)
			if err != nil {
				return nil, err
			}
			return out(organizationOf(o)), nil
		})
}
