package partnercenter

import (
	"strings"

	"github.com/shopspring/decimal"
)

// catalogEntry is one SKU of the built-in catalog with its availability.
type catalogEntry struct {
	product      Product
	sku          SKU
	availability Availability
	unitType     string
	azurePlan    bool
	// monthlyPrice is a seat's price for a month of an annual term (a
	// monthly term costs 20% more), in the availability's currency.
	monthlyPrice decimal.Decimal
}

// Catalog ids of the built-in catalog.
const (
	BusinessBasicProduct    = "CFQ7TTC0LH18"
	BusinessStandardProduct = "CFQ7TTC0LDPB"
	RetiredProduct          = "CFQ7TTC0LFK5" // listed but not purchasable
	AzurePlanProduct        = "DZH318Z0BPS6"
	// LegacyBusinessBasicOffer is a legacy offer id (Office 365 Business
	// Essentials), bought with a legacy order.
	LegacyBusinessBasicOffer = "031C9E47-4802-4248-838E-778FB1D2CC05"
)

func onlineServices(id, title, desc, skuTitle, avail, price string, purchasable bool) catalogEntry {
	return catalogEntry{
		product: Product{ID: id, Title: title, Description: desc, ProductType: ProductType{ID: "OnlineServices", DisplayName: "OnlineServices"},
			IsMicrosoftProduct: true, PublisherName: "Microsoft Corporation", Attributes: Attributes{ObjectType: "Product"}},
		sku: SKU{ID: "0001", ProductID: id, Title: skuTitle, Description: desc, MinimumQuantity: 1, MaximumQuantity: 300,
			SupportedBillingCycles: []string{"annual", "monthly"}, PurchasePrerequisites: []string{}, Attributes: Attributes{ObjectType: "Sku"}},
		availability: Availability{ID: avail, ProductID: id, SkuID: "0001", CatalogItemID: id + ":0001:" + avail,
			DefaultCurrency: Currency{Code: "EUR", Symbol: "€"}, Segment: "commercial", IsPurchasable: purchasable, IsRenewable: purchasable,
			Terms: []Term{
				{Duration: "P1M", Description: "1 Month", BillingCycle: "monthly"},
				{Duration: "P1Y", Description: "1 Year", BillingCycle: "monthly"},
				{Duration: "P1Y", Description: "1 Year", BillingCycle: "annual"},
			}, Attributes: Attributes{ObjectType: "Availability"}},
		unitType: "Licenses", monthlyPrice: decimal.RequireFromString(price),
	}
}

// builtinCatalog is the emulator's small catalog with real-looking ids.
func builtinCatalog() []catalogEntry {
	azure := catalogEntry{
		product: Product{ID: AzurePlanProduct, Title: "Azure plan", Description: "Azure plan: pay-as-you-go Azure services.",
			ProductType: ProductType{ID: "Azure", DisplayName: "Azure"}, IsMicrosoftProduct: true, PublisherName: "Microsoft Corporation",
			Attributes: Attributes{ObjectType: "Product"}},
		sku: SKU{ID: "0001", ProductID: AzurePlanProduct, Title: "Azure plan", Description: "Azure plan", MinimumQuantity: 1, MaximumQuantity: 1,
			SupportedBillingCycles: []string{"monthly"}, PurchasePrerequisites: []string{}, Attributes: Attributes{ObjectType: "Sku"}},
		availability: Availability{ID: "DZH318Z0BQ3Q", ProductID: AzurePlanProduct, SkuID: "0001", CatalogItemID: AzurePlanProduct + ":0001:DZH318Z0BQ3Q",
			DefaultCurrency: Currency{Code: "EUR", Symbol: "€"}, Segment: "commercial", IsPurchasable: true, IsRenewable: false,
			Terms: []Term{}, Attributes: Attributes{ObjectType: "Availability"}},
		unitType:  "Usage-based",
		azurePlan: true,
	}
	return []catalogEntry{
		onlineServices(BusinessBasicProduct, "Microsoft 365 Business Basic", "Web and mobile Office apps, email, file storage and Teams.", "Microsoft 365 Business Basic", "CFQ7TTC0K5DM", "5.60", true),
		onlineServices(BusinessStandardProduct, "Microsoft 365 Business Standard", "Desktop Office apps, email, file storage and Teams.", "Microsoft 365 Business Standard", "CFQ7TTC0K5BF", "11.70", true),
		onlineServices(RetiredProduct, "Office 365 E1 (retired offer)", "An offer no longer sold.", "Office 365 E1", "CFQ7TTC0K3QP", "9.40", false),
		azure,
	}
}

// legacyOffers are the legacy offers legacy orders may name.
func legacyOffers() []Offer {
	return []Offer{
		{ID: LegacyBusinessBasicOffer, Name: "Office 365 Business Essentials", MinimumQuantity: 1, MaximumQuantity: 300,
			SupportedBillingCycles: []string{"monthly", "annual"}, IsAvailableForPurchase: true, Attributes: Attributes{ObjectType: "Offer"}},
		{ID: "91FD106F-4B2C-4938-95AC-F54F74E9A239", Name: "Office 365 Business Premium", MinimumQuantity: 1, MaximumQuantity: 300,
			SupportedBillingCycles: []string{"monthly", "annual"}, IsAvailableForPurchase: true, Attributes: Attributes{ObjectType: "Offer"}},
	}
}

func (e *Emulator) entryByCatalogItem(id string) *catalogEntry {
	for i := range e.catalog {
		if strings.EqualFold(e.catalog[i].availability.CatalogItemID, id) {
			return &e.catalog[i]
		}
	}
	return nil
}

func (e *Emulator) offerByID(id string) *Offer {
	for i := range e.offers {
		if strings.EqualFold(e.offers[i].ID, id) {
			return &e.offers[i]
		}
	}
	return nil
}
