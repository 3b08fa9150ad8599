// Package catalog defines what the marketplace sells: products owned by
// vendors, their plans, the integration metadata connectors read, and the
// configuration parameters a buyer fills in at checkout.
package catalog

import (
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// ProductType says how a product is provisioned.
type ProductType string

// Product types.
const (
	TypeSaaS               ProductType = "saas"                 // syndicated app, provisioned by webhooks
	TypeMicrosoftCSP       ProductType = "microsoft_csp"        // licences in Partner Center
	TypeAzurePlan          ProductType = "azure_plan"           // pay-as-you-go Azure, billed from usage
	TypeAzureMarketplaceVM ProductType = "azure_marketplace_vm" // an Azure Marketplace VM offer
	TypeARMTemplate        ProductType = "arm_template"         // a solution deployed from an ARM template
	TypeService            ProductType = "service"              // fulfilled by hand
)

// ProductTypes lists every product type, in a stable order.
var ProductTypes = []ProductType{TypeSaaS, TypeMicrosoftCSP, TypeAzurePlan, TypeAzureMarketplaceVM, TypeARMTemplate, TypeService}

// ByConnector reports whether the platform's own connectors provision
// products of type t (Partner Center, Azure Resource Manager), so that the
// platform acts as their provider.
func (t ProductType) ByConnector() bool {
	switch t {
	case TypeMicrosoftCSP, TypeAzurePlan, TypeAzureMarketplaceVM, TypeARMTemplate:
		return true
	}
	return false
}

// Valid reports whether t is a known product type.
func (t ProductType) Valid() bool {
	for _, v := range ProductTypes {
		if v == t {
			return true
		}
	}
	return false
}

// Product is something a vendor sells.
type Product struct {
	ID               int64
	VendorID         int64
	Name             string
	Description      string
	Type             ProductType
	Published        bool
	RequiresApproval bool              // an operator approves each order before provisioning
	Metadata         map[string]string // integration metadata read by connectors
	Parameters       []Parameter       // the buyer's configuration form
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ProductFilter narrows a list of products; zero fields do not filter.
type ProductFilter struct {
	Type      ProductType
	VendorID  int64
	Published *bool
	// Query keeps the products whose name or description, or whose
	// vendor's name, contains it (any case): a catalog search.
	Query string
	// Within, when not nil, keeps the products a reseller's curation lets
	// it sell (set by internal/listing, never by a request).
	Within *Curation
}

// MaxQueryLength bounds a catalog search's words.
const MaxQueryLength = 100

// Validate refuses a search too long to be one, naming the field q.
func (f ProductFilter) Validate() error {
	var fe mercato.FieldErrors
	if n := len([]rune(f.Query)); n > MaxQueryLength {
		fe.Add("q", "must be at most %d characters", MaxQueryLength)
	}
	return fe.Err("invalid product filter")
}

// PriceVersion is one pricing a plan has had, from when it took effect:
// new orders had it from then, running subscriptions from their next
// renewal.
type PriceVersion struct {
	Pricing     pricing.Pricing
	EffectiveAt time.Time
}

// Plan is a priced edition of a product ("ProductVersion" on the
// Cloudesire-compatible wire).
type Plan struct {
	ID          int64
	ProductID   int64
	Name        string
	Description string
	Pricing     pricing.Pricing
	Metadata    map[string]string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}
