package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Product is something a vendor sells.
type Product struct {
	ID               int64               `json:"id"`
	VendorID         int64               `json:"vendor_id"`
	Name             string              `json:"name"`
	Description      string              `json:"description"`
	Type             string              `json:"type" enum:"saas,microsoft_csp,azure_plan,azure_marketplace_vm,arm_template,service"`
	Published        bool                `json:"published"`
	RequiresApproval bool                `json:"requires_approval"`
	Metadata         map[string]string   `json:"metadata" doc:"integration metadata read by connectors"`
	Parameters       []catalog.Parameter `json:"parameters" doc:"the configuration form a buyer fills in at checkout"`
	CreatedAt        time.Time           `json:"created_at"`
	UpdatedAt        time.Time           `json:"updated_at"`
}

func productOf(p catalog.Product) Product {
	return Product{ID: p.ID, VendorID: p.VendorID, Name: p.Name, Description: p.Description, Type: string(p.Type), Published: p.Published,
		RequiresApproval: p.RequiresApproval, Metadata: p.Metadata, Parameters: p.Parameters, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// ProductCreate is the body of POST /api/v1/products.
type ProductCreate struct {
	VendorID         int64               `json:"vendor_id,omitempty" minimum:"1" doc:"required unless you are the vendor"`
	Name             string              `json:"name" minLength:"1" maxLength:"200"`
	Description      string              `json:"description,omitempty" maxLength:"20000"`
	Type             string              `json:"type" enum:"saas,microsoft_csp,azure_plan,azure_marketplace_vm,arm_template,service"`
	Published        bool                `json:"published,omitempty"`
	RequiresApproval bool                `json:"requires_approval,omitempty"`
	Metadata         map[string]string   `json:"metadata,omitempty"`
	Parameters       []catalog.Parameter `json:"parameters,omitempty" nullable:"true"`
}

// ProductUpdate is the body of PATCH /api/v1/products/{id}.
type ProductUpdate struct {
	Name             *string              `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Description      *string              `json:"description,omitempty" maxLength:"20000"`
	Published        *bool                `json:"published,omitempty"`
	RequiresApproval *bool                `json:"requires_approval,omitempty"`
	Metadata         *map[string]string   `json:"metadata,omitempty"`
	Parameters       *[]catalog.Parameter `json:"parameters,omitempty"`
}

func (s *Server) registerProducts() {
	tags := []string{"Catalog"}
	register(s, huma.Operation{OperationID: "list-products", Description: "Lists products one page at a time: the published catalog for everyone, and a vendor's own unpublished drafts for that vendor (the platform sees all). Filters by type, vendor, published and words (q). Changes nothing.", Method: http.MethodGet, Path: "/api/v1/products", Summary: "List products: published ones, and your own drafts", Tags: tags},
		func(ctx context.Context, in *struct {
			ListInput
			Type      string `query:"type" enum:"saas,microsoft_csp,azure_plan,azure_marketplace_vm,arm_template,service"`
			VendorID  int64  `query:"vendor_id" minimum:"0"`
			Published string `query:"published" enum:"true,false"`
			Q         string `query:"q" maxLength:"100" doc:"Words the product's name or description, or its vendor's name, contains (any case)"`
		}) (*ListOutput[Product], error) {
			f := catalog.ProductFilter{Type: catalog.ProductType(in.Type), VendorID: in.VendorID, Query: in.Q}
			if in.Published != "" {
				b := in.Published == "true"
				f.Published = &b
			}
			return listPage(in.ListInput, func(p mercato.Page) ([]catalog.Product, int64, error) {
				return s.services.Catalog.ListProducts(ctx, principal(ctx), f, p)
			}, productOf)
		})
	register(s, huma.Operation{OperationID: "get-product", Description: "Returns one product with its configuration parameters and integration metadata; a draft of another vendor answers 404. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/products/{id}", Summary: "Get a product", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Product], error) {
			p, err := s.services.Catalog.Product(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(productOf(p)), nil
		})
	register(s, huma.Operation{OperationID: "create-product", Description: "Creates a product of one of the product types. A vendor creates its own products (vendor_id may be left out); the platform creates them for any vendor. Parameters define the form buyers fill in at checkout. Written to the audit log.", Method: http.MethodPost, Path: "/api/v1/products", Summary: "Create a product", Tags: tags},
		func(ctx context.Context, in *struct{ Body ProductCreate }) (*Output[Product], error) {
			b := in.Body
			p, err := s.services.Catalog.CreateProduct(ctx, principal(ctx), catalog.Product{
				VendorID: b.VendorID, Name: b.Name, Description: b.Description, Type: catalog.ProductType(b.Type), Published: b.Published,
				RequiresApproval: b.RequiresApproval, Metadata: b.Metadata, Parameters: b.Parameters,
			})
			if err != nil {
				return nil, err
			}
			return out(productOf(p)), nil
		})
	register(s, huma.Operation{OperationID: "update-product", Description: "Changes a product's name, description, publication, approval requirement, metadata or parameters; fields left out keep their values. Only its vendor and the platform change it. Written to the audit log.", Method: http.MethodPatch, Path: "/api/v1/products/{id}", Summary: "Change a product", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body ProductUpdate
		}) (*Output[Product], error) {
			b := in.Body
			p, err := s.services.Catalog.UpdateProduct(ctx, principal(ctx), in.ID, listing.ProductUpdate{
				Name: b.Name, Description: b.Description, Published: b.Published, RequiresApproval: b.RequiresApproval, Metadata: b.Metadata, Parameters: b.Parameters,
			})
			if err != nil {
				return nil, err
			}
			return out(productOf(p)), nil
		})
	register(s, huma.Operation{OperationID: "delete-product", Description: "Deletes a product with its plans and their price-list entries. Only its vendor and the platform may, and only while nobody has bought it: a product with subscriptions answers 409 (unpublish it instead).", Method: http.MethodDelete, Path: "/api/v1/products/{id}", Summary: "Delete a product nobody has bought", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDInput) (*NoContent, error) {
			return nil, s.services.Catalog.DeleteProduct(ctx, principal(ctx), in.ID)
		})
}

// Plan is a priced edition of a product.
type Plan struct {
	ID          int64             `json:"id"`
	ProductID   int64             `json:"product_id"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Pricing     pricing.Pricing   `json:"pricing"`
	Metadata    map[string]string `json:"metadata"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// PriceVersion is one pricing of a plan's price history.
type PriceVersion struct {
	Pricing     pricing.Pricing `json:"pricing"`
	EffectiveAt time.Time       `json:"effective_at" doc:"When it took effect"`
}

func planOf(p catalog.Plan) Plan {
	return Plan{ID: p.ID, ProductID: p.ProductID, Name: p.Name, Description: p.Description, Pricing: p.Pricing, Metadata: p.Metadata, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

// PlanCreate is the body of POST /api/v1/products/{id}/plans.
type PlanCreate struct {
	Name        string            `json:"name" minLength:"1" maxLength:"200"`
	Description string            `json:"description,omitempty" maxLength:"20000"`
	Pricing     pricing.Pricing   `json:"pricing"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

// PlanUpdate is the body of PATCH /api/v1/plans/{id}.
type PlanUpdate struct {
	Name        *string            `json:"name,omitempty" minLength:"1" maxLength:"200"`
	Description *string            `json:"description,omitempty" maxLength:"20000"`
	Pricing     *pricing.Pricing   `json:"pricing,omitempty"`
	Metadata    *map[string]string `json:"metadata,omitempty"`
}

func (s *Server) registerPlans() {
	tags := []string{"Catalog"}
	register(s, huma.Operation{OperationID: "list-plans", Description: "Lists the plans of a product the caller can see, with their pricing (model, tiers, setup fee, trial, metrics). Changes nothing.", Method: http.MethodGet, Path: "/api/v1/products/{id}/plans", Summary: "List a product's plans", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			ListInput
		}) (*ListOutput[Plan], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]catalog.Plan, int64, error) {
				return s.services.Catalog.ListPlans(ctx, principal(ctx), in.ID, p)
			}, planOf)
		})
	register(s, huma.Operation{OperationID: "create-plan", Description: "Adds a priced plan to a product. Only the product's vendor and the platform add plans; the pricing is validated as a whole before anything is written (422 names the field). Writes a ProductVersion CREATED event.", Method: http.MethodPost, Path: "/api/v1/products/{id}/plans", Summary: "Add a plan to a product", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body PlanCreate
		}) (*Output[Plan], error) {
			b := in.Body
			p, err := s.services.Catalog.CreatePlan(ctx, principal(ctx), catalog.Plan{ProductID: in.ID, Name: b.Name, Description: b.Description, Pricing: b.Pricing, Metadata: b.Metadata})
			if err != nil {
				return nil, err
			}
			return out(planOf(p)), nil
		})
	register(s, huma.Operation{OperationID: "get-plan", Description: "Returns one plan with its pricing, if the caller can see its product. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/plans/{id}", Summary: "Get a plan", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Plan], error) {
			p, _, err := s.services.Catalog.Plan(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(planOf(p)), nil
		})
	register(s, huma.Operation{OperationID: "list-plan-prices", Description: "Returns a plan's price history, oldest first: each pricing it has had and when it took effect (new orders had it from then; running subscriptions keep the price they were sold at until they renew). Visible to whoever can see the plan. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/plans/{id}/prices", Summary: "A plan's price history", Tags: tags},
		func(ctx context.Context, in *IDInput) (*ListOutput[PriceVersion], error) {
			items, err := s.services.Catalog.PlanPrices(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return listOf(items, 0, func(v catalog.PriceVersion) PriceVersion {
				return PriceVersion{Pricing: v.Pricing, EffectiveAt: v.EffectiveAt}
			}), nil
		})
	register(s, huma.Operation{OperationID: "update-plan", Description: "Changes a plan's name, description, pricing or metadata; fields left out keep their values. Only the product's vendor and the platform change it. New orders take a new pricing at once; running subscriptions keep theirs until they renew (announced as next_price and by a renewal notice). A pricing under which a channel's markup would no longer hold (a fixed price below the new price) is refused (422 naming pricing and each such price-list entry): the markup is changed first. Writes a ProductVersion MODIFIED event.", Method: http.MethodPatch, Path: "/api/v1/plans/{id}", Summary: "Change a plan", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body PlanUpdate
		}) (*Output[Plan], error) {
			b := in.Body
			p, err := s.services.Catalog.UpdatePlan(ctx, principal(ctx), in.ID, listing.PlanUpdate{Name: b.Name, Description: b.Description, Pricing: b.Pricing, Metadata: b.Metadata})
			if err != nil {
				return nil, err
			}
			return out(planOf(p)), nil
		})
	register(s, huma.Operation{OperationID: "delete-plan", Description: "Retires a plan: it can no longer be ordered, and subscriptions already running on it go on. Only the product's vendor and the platform retire plans. Writes a ProductVersion DELETED event.", Method: http.MethodDelete, Path: "/api/v1/plans/{id}", Summary: "Retire a plan (running subscriptions go on)", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDInput) (*NoContent, error) {
			return nil, s.services.Catalog.DeletePlan(ctx, principal(ctx), in.ID)
		})
}
