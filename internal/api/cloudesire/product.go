package cloudesire

import (
	"context"
	"net/http"
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Catalog is the catalog service the handlers read products and plans
// through (internal/listing).
type Catalog interface {
	Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
	ProductPage(ctx context.Context, p mercato.Principal, f catalog.ProductFilter, pg mercato.NumberedPage) ([]catalog.Product, int, error)
	PlanPage(ctx context.Context, p mercato.Principal, productID int64, pg mercato.NumberedPage) ([]catalog.Plan, int, error)
}

// Product is a product (ProductDTO): type is Cloudesire's product type,
// published when it was published (its last change while published:
// Mercato keeps no separate publication date), absent while it is not.
type Product struct {
	ID                      int64                    `json:"id"`
	Self                    string                   `json:"self"`
	Name                    string                   `json:"name"`
	ShortDescription        string                   `json:"shortDescription"`
	Type                    string                   `json:"type" enum:"SYNDICATED,CSP,MANAGED,SERVICE"`
	Syndicated              bool                     `json:"isSyndicated"`
	Published               *Time                    `json:"published,omitempty"`
	Company                 *Ref                     `json:"company" doc:"the vendor"`
	ConfigurationParameters []ConfigurationParameter `json:"configurationParameters" doc:"the buyer's checkout form"`
}

// ProductVersion is a plan (ProductVersionDTO): price is its flat price
// per period (0 when the price is by quantity: see billingItemValues),
// billingPeriod and minimumDuration in months, trialLength in days.
type ProductVersion struct {
	ID                      int64              `json:"id"`
	Self                    string             `json:"self"`
	Name                    string             `json:"name"`
	Description             string             `json:"description"`
	Product                 *Ref               `json:"product"`
	Price                   Number             `json:"price"`
	SetupFee                *Number            `json:"setupFee,omitempty"`
	BillingPeriod           int                `json:"billingPeriod"`
	MinimumDuration         int                `json:"minimumDuration"`
	Trial                   string             `json:"trial" enum:"NOT_ALLOWED,ALLOWED_WO_PAYMENT_METHOD"`
	TrialLength             *int               `json:"trialLength,omitempty"`
	Published               bool               `json:"published" doc:"whether its product is published"`
	BillingItemValues       []BillingItemValue `json:"billingItemValues"`
	ConfigurationParameters []Ref              `json:"configurationParameters" doc:"the product's parameters"`
}

// productTypes are Cloudesire's product types of Mercato's: SaaS is
// syndicated, the Microsoft and Azure products are CSP, ARM templates are
// deployed by Mercato (MANAGED), services are fulfilled outside (SERVICE).
var productTypes = map[catalog.ProductType]string{
	catalog.TypeSaaS: "SYNDICATED", catalog.TypeMicrosoftCSP: "CSP", catalog.TypeAzurePlan: "CSP", catalog.TypeAzureMarketplaceVM: "CSP",
	catalog.TypeARMTemplate: "MANAGED", catalog.TypeService: "SERVICE",
}

func productOf(pr catalog.Product) Product {
	out := Product{ID: pr.ID, Self: "product/" + strconv.FormatInt(pr.ID, 10), Name: pr.Name, ShortDescription: pr.Description,
		Type: productTypes[pr.Type], Syndicated: pr.Type == catalog.TypeSaaS, Company: ref("company", pr.VendorID),
		ConfigurationParameters: parametersOf(pr)}
	if pr.Published {
		out.Published = timePtr(&pr.UpdatedAt)
	}
	return out
}

func productVersionOf(pl catalog.Plan, pr catalog.Product) ProductVersion {
	out := ProductVersion{ID: pl.ID, Self: "productVersion/" + strconv.FormatInt(pl.ID, 10), Name: pl.Name, Description: pl.Description,
		Product: ref("product", pl.ProductID), Price: num(decimal.Zero), BillingPeriod: billingPeriod(pl.Pricing), MinimumDuration: billingPeriod(pl.Pricing),
		Trial: "NOT_ALLOWED", Published: pr.Published, BillingItemValues: priceRanges(pl), ConfigurationParameters: []Ref{}}
	if pl.Pricing.Model == pricing.ModelFlat && pl.Pricing.Amount != nil {
		out.Price = num(*pl.Pricing.Amount)
	}
	if fee := pl.Pricing.SetupFee; fee != nil {
		n := num(*fee)
		out.SetupFee = &n
	}
	if term, err := subscription.Term(pl.Pricing); err == nil && term.Months() > 0 {
		out.MinimumDuration = term.Months()
	}
	if days := pl.Pricing.TrialDays; days > 0 {
		// A trial starts without payment (Cloudesire's rule, kept here).
		out.Trial, out.TrialLength = "ALLOWED_WO_PAYMENT_METHOD", &days
	}
	for _, c := range parametersOf(pr) {
		out.ConfigurationParameters = append(out.ConfigurationParameters, Ref{URL: c.Self})
	}
	return out
}

func (h *Handler) product(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	pr, err := h.Catalog.Product(ctx, p, id)
	return http.StatusOK, productOf(pr), err
}

func (h *Handler) productVersion(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	pl, pr, err := h.Catalog.Plan(ctx, p, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, productVersionOf(pl, pr), nil
}
