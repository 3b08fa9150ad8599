// Package listing holds the catalog's use cases: vendors list their
// products and plans, change and retire them, upload an ARM template
// product's template, and customers who bought a product review it. Its
// rules: only a product's vendor (or the platform) changes the product and
// its plans, a vendor creates products for itself only, a product someone
// bought is never deleted (it is unpublished instead), a plan is retired
// (running subscriptions keep it), only a customer's admins and managers
// review, and only products their organization bought. What a valid
// product, plan or review is belongs to the domain types' Validate
// (internal/catalog); visibility (which products a caller sees at all) to
// the store's queries. Every change is audited in its transaction, and the
// plan changes write their ProductVersion event to the outbox with it.
package listing

import (
	"context"
	"strings"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Reads are what the service reads outside a transaction, within the
// visibility rules (a product or plan the caller cannot see is not found).
type Reads interface {
	Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	// Plan returns a live plan whose product p sees, with its product.
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
	ListProducts(ctx context.Context, p mercato.Principal, f catalog.ProductFilter, page mercato.Page) ([]catalog.Product, int64, error)
	// ListPlans lists the live plans of a product p sees.
	// (within a curation, when not nil).
	ListPlans(ctx context.Context, p mercato.Principal, productID int64, within *catalog.Curation, page mercato.Page) ([]catalog.Plan, int64, error)
	// ProductPage and PlanPage are the lists by numbered page, with their
	// totals (PlanPage: of every product p sees when productID is 0).
	ProductPage(ctx context.Context, p mercato.Principal, f catalog.ProductFilter, pg mercato.NumberedPage) ([]catalog.Product, int, error)
	PlanPage(ctx context.Context, p mercato.Principal, productID int64, within *catalog.Curation, pg mercato.NumberedPage) ([]catalog.Plan, int, error)
	// CurationFor returns the curation that applies to a sale through a
	// reseller, or (resellerID 0) to the customer customerID.
	CurationFor(ctx context.Context, resellerID, customerID int64) (catalog.Curation, error)
	// Reviews lists the reviews of a product p sees, newest first, with
	// their summary.
	Reviews(ctx context.Context, p mercato.Principal, productID int64) ([]catalog.Review, catalog.Rating, error)
	// Ratings sums up the reviews of every reviewed product.
	Ratings(ctx context.Context) (map[int64]catalog.Rating, error)
	// PlanPrices returns a plan's price history, oldest first.
	PlanPrices(ctx context.Context, planID int64) ([]catalog.PriceVersion, error)
}

// Tx is what the service does inside one transaction.
type Tx interface {
	// Organization returns an organization visible to p.
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
	InsertProduct(ctx context.Context, prod *catalog.Product) error
	SaveProduct(ctx context.Context, prod *catalog.Product) error
	// ProductSubscriptions counts a product's subscriptions in any status,
	// one customer's when customerID is set.
	ProductSubscriptions(ctx context.Context, productID, customerID int64) (int, error)
	// DeleteProduct removes a product with its plans and their price-list
	// entries.
	DeleteProduct(ctx context.Context, id int64) error
	InsertPlan(ctx context.Context, plan *catalog.Plan) error
	SavePlan(ctx context.Context, plan *catalog.Plan) error
	// InsertPlanPrice records that a plan's pricing takes effect now.
	InsertPlanPrice(ctx context.Context, planID int64, p pricing.Pricing) error
	// PlanMarkups returns every price-list entry on a plan with the
	// markups beneath it.
	PlanMarkups(ctx context.Context, planID int64) ([]pricing.MarkedUp, error)
	RetirePlan(ctx context.Context, id int64) error
	PutReview(ctx context.Context, r *catalog.Review, userID int64) error
	Audit(ctx context.Context, p mercato.Principal, action, entity string, id int64, details map[string]any) error
	RecordEvent(ctx context.Context, entity string, id int64, typ string, metadata map[string]string) error
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service runs the catalog's use cases.
type Service struct {
	reads Reads
	inTx  InTx
}

// New returns the service over its repositories.
func New(reads Reads, inTx InTx) *Service { return &Service{reads: reads, inTx: inTx} }

// Product returns a product p sees.
func (s *Service) Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error) {
	return s.reads.Product(ctx, p, id)
}

// Plan returns a live plan whose product p sees, with its product.
func (s *Service) Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error) {
	return s.reads.Plan(ctx, p, id)
}

// within returns the curation p's catalog lists are kept within: a
// reseller's own, a customer's reseller's; nil when none applies (the
// platform, vendors, distributors, a reseller nobody curated, a customer
// of the platform or of a distributor). See catalog.Curation.
func (s *Service) within(ctx context.Context, p mercato.Principal) (*catalog.Curation, error) {
	var c catalog.Curation
	var err error
	switch p.OrgKind {
	case mercato.KindReseller:
		c, err = s.reads.CurationFor(ctx, p.OrgID, 0)
	case mercato.KindCustomer:
		c, err = s.reads.CurationFor(ctx, 0, p.OrgID)
	default:
		return nil, nil
	}
	if err != nil || c.All {
		return nil, err
	}
	return &c, nil
}

// ListProducts lists one page of the products p sees: the published ones,
// and a vendor's own drafts (the platform sees all); a reseller and its
// customers, only those its curation lets it sell.
func (s *Service) ListProducts(ctx context.Context, p mercato.Principal, f catalog.ProductFilter, page mercato.Page) ([]catalog.Product, int64, error) {
	f.Query = strings.TrimSpace(f.Query)
	if err := f.Validate(); err != nil {
		return nil, 0, err
	}
	var err error
	if f.Within, err = s.within(ctx, p); err != nil {
		return nil, 0, err
	}
	return s.reads.ListProducts(ctx, p, f, page)
}

// ProductPage lists the products p sees (as ListProducts) by numbered
// page, with their total: Cloudesire's GET /api/product.
func (s *Service) ProductPage(ctx context.Context, p mercato.Principal, f catalog.ProductFilter, pg mercato.NumberedPage) ([]catalog.Product, int, error) {
	var err error
	if f.Within, err = s.within(ctx, p); err != nil {
		return nil, 0, err
	}
	return s.reads.ProductPage(ctx, p, f, pg)
}

// PlanPage lists the live plans of the products p sees (of one product
// when productID is not 0; as ListPlans, within a curation) by numbered
// page: Cloudesire's GET /api/productVersion.
func (s *Service) PlanPage(ctx context.Context, p mercato.Principal, productID int64, pg mercato.NumberedPage) ([]catalog.Plan, int, error) {
	within, err := s.within(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	return s.reads.PlanPage(ctx, p, productID, within, pg)
}

// ListPlans lists one page of the live plans of a product p sees; a
// reseller and its customers, only those its curation lets it sell.
func (s *Service) ListPlans(ctx context.Context, p mercato.Principal, productID int64, page mercato.Page) ([]catalog.Plan, int64, error) {
	within, err := s.within(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	return s.reads.ListPlans(ctx, p, productID, within, page)
}
