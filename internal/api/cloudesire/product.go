package cloudesire

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Catalog is the catalog service the handlers read products and plans
// through (internal/listing).
type Catalog interface {
	Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
}

// WithCatalog sets the catalog service (default: internal/listing over the
// store).
func WithCatalog(c Catalog) Option { return func(h *Handler) { h.catalog = c } }

// Product is a minimal Cloudesire product.
type Product struct {
	ID          int64  `json:"id"`
	Self        string `json:"self"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Type        string `json:"productType"`
	Published   bool   `json:"published"`
	Company     *Ref   `json:"company"`
}

// ProductVersion is a minimal Cloudesire product version (a plan).
type ProductVersion struct {
	ID            int64  `json:"id"`
	Self          string `json:"self"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	Product       *Ref   `json:"product"`
	BillingPeriod int    `json:"billingPeriod"`
	TrialLength   int    `json:"trialLength"`
	Currency      string `json:"currency"`
}

func productOf(pr catalog.Product) Product {
	typ := "SYNDICATED"
	if pr.Type != catalog.TypeSaaS {
		typ = strings.ToUpper(string(pr.Type))
	}
	return Product{ID: pr.ID, Self: "product/" + strconv.FormatInt(pr.ID, 10), Name: pr.Name, Description: pr.Description, Type: typ,
		Published: pr.Published, Company: ref("company", pr.VendorID)}
}

func (h *Handler) product(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	pr, err := h.catalog.Product(ctx, p, id)
	return http.StatusOK, productOf(pr), err
}

func (h *Handler) productVersion(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	pl, _, err := h.catalog.Plan(ctx, p, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ProductVersion{ID: pl.ID, Self: "productVersion/" + strconv.FormatInt(pl.ID, 10), Name: pl.Name, Description: pl.Description,
		Product: ref("product", pl.ProductID), BillingPeriod: billingPeriod(pl.Pricing), TrialLength: pl.Pricing.TrialDays, Currency: pl.Pricing.Currency}, nil
}
