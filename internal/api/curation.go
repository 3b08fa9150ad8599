package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/catalog"
)

// ResellerCatalog is a reseller's catalog as its distributor curated it.
type ResellerCatalog struct {
	ResellerID int64   `json:"reseller_id"`
	All        bool    `json:"all" doc:"true: the reseller sells everything its distributor sells (the default); false: only the products and plans listed"`
	ProductIDs []int64 `json:"product_ids" doc:"products the reseller sells, each with every plan of it (later ones too)"`
	PlanIDs    []int64 `json:"plan_ids" doc:"single plans the reseller sells (their product is listed with these plans only)"`
}

// CatalogSet is the body of PUT /api/v1/organizations/{id}/catalog.
type CatalogSet struct {
	All        bool    `json:"all,omitempty" doc:"true restores everything the distributor sells; the lists must then be empty"`
	ProductIDs []int64 `json:"product_ids,omitempty" maxItems:"1000" doc:"published products the reseller may sell, each with every plan of it"`
	PlanIDs    []int64 `json:"plan_ids,omitempty" maxItems:"1000" doc:"live plans of published products the reseller may sell"`
}

func catalogOf(c catalog.Curation) ResellerCatalog {
	out := ResellerCatalog{ResellerID: c.ResellerID, All: c.All, ProductIDs: c.ProductIDs, PlanIDs: c.PlanIDs}
	if out.ProductIDs == nil {
		out.ProductIDs = []int64{}
	}
	if out.PlanIDs == nil {
		out.PlanIDs = []int64{}
	}
	return out
}

func (s *Server) registerCatalogs() {
	tags := []string{"Price lists"}
	register(s, huma.Operation{OperationID: "get-reseller-catalog", Description: "Returns what a reseller may sell, as its distributor curated it: everything the distributor sells (all, the default) or only the products and plans listed. Its distributor, the platform and the reseller itself read it; a reseller outside the caller's view, or an organization that is no reseller, answers 404. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/organizations/{id}/catalog", Summary: "A reseller's curated catalog", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[ResellerCatalog], error) {
			c, err := s.services.Channel.Curation(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(catalogOf(c)), nil
		})
	register(s, huma.Operation{OperationID: "set-reseller-catalog", Description: "Replaces what a reseller may sell: everything its distributor sells (all: true) or only the products (with every plan of them) and plans listed. From then on the reseller and its customers list, quote and order only those (another plan is a 422 naming plan_id, nothing written), and the reseller marks up only those; subscriptions already sold keep running and renew. Only the reseller's distributor (a role that writes) and the platform set it, for a reseller of a distributor. A product or plan that is not for sale is a 422 naming product_ids[i] or plan_ids[i], nothing written; a reseller outside the caller's view answers 404. Written to the audit log.", Method: http.MethodPut, Path: "/api/v1/organizations/{id}/catalog", Summary: "Curate a reseller's catalog", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body CatalogSet
		}) (*Output[ResellerCatalog], error) {
			c, err := s.services.Channel.SetCuration(ctx, principal(ctx), catalog.Curation{ResellerID: in.ID, All: in.Body.All, ProductIDs: in.Body.ProductIDs, PlanIDs: in.Body.PlanIDs})
			if err != nil {
				return nil, err
			}
			return out(catalogOf(c)), nil
		})
}
