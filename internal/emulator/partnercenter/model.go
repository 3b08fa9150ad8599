package partnercenter

import "time"

// The resources as Partner Center serializes them (camelCase; requests are
// read case-insensitively, as Partner Center's own .NET service does).

// Attributes carry the object type and, for mutable resources, the etag.
type Attributes struct {
	Etag       string `json:"etag,omitempty"`
	ObjectType string `json:"objectType"`
}

// Address is a postal address.
type Address struct {
	Country      string `json:"country"`
	City         string `json:"city,omitempty"`
	State        string `json:"state,omitempty"`
	AddressLine1 string `json:"addressLine1,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
}

// CompanyProfile of a customer.
type CompanyProfile struct {
	TenantID    string     `json:"tenantId,omitempty"`
	Domain      string     `json:"domain"`
	CompanyName string     `json:"companyName,omitempty"`
	Attributes  Attributes `json:"attributes"`
}

// BillingProfile of a customer.
type BillingProfile struct {
	ID             string     `json:"id,omitempty"`
	FirstName      string     `json:"firstName,omitempty"`
	LastName       string     `json:"lastName,omitempty"`
	Email          string     `json:"email"`
	Culture        string     `json:"culture"`
	Language       string     `json:"language"`
	CompanyName    string     `json:"companyName"`
	DefaultAddress Address    `json:"defaultAddress"`
	Attributes     Attributes `json:"attributes"`
}

// UserCredentials are the new tenant's first admin, returned once.
type UserCredentials struct {
	UserName string `json:"userName"`
	Password string `json:"password"`
}

// Customer is a CSP customer (its id is its tenant id).
type Customer struct {
	ID                    string           `json:"id"`
	CommerceID            string           `json:"commerceId"`
	CompanyProfile        CompanyProfile   `json:"companyProfile"`
	BillingProfile        BillingProfile   `json:"billingProfile"`
	RelationshipToPartner string           `json:"relationshipToPartner"`
	AllowDelegatedAccess  bool             `json:"allowDelegatedAccess"`
	UserCredentials       *UserCredentials `json:"userCredentials,omitempty"`
	Attributes            Attributes       `json:"attributes"`
}

// Product is a catalog product.
type Product struct {
	ID                 string      `json:"id"`
	Title              string      `json:"title"`
	Description        string      `json:"description"`
	ProductType        ProductType `json:"productType"`
	IsMicrosoftProduct bool        `json:"isMicrosoftProduct"`
	PublisherName      string      `json:"publisherName"`
	Attributes         Attributes  `json:"attributes"`
}

// ProductType classifies a product.
type ProductType struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

// SKU is a product's stock keeping unit.
type SKU struct {
	ID                     string     `json:"id"`
	ProductID              string     `json:"productId"`
	Title                  string     `json:"title"`
	Description            string     `json:"description"`
	MinimumQuantity        int        `json:"minimumQuantity"`
	MaximumQuantity        int        `json:"maximumQuantity"`
	IsTrial                bool       `json:"isTrial"`
	SupportedBillingCycles []string   `json:"supportedBillingCycles"`
	PurchasePrerequisites  []string   `json:"purchasePrerequisites"`
	Attributes             Attributes `json:"attributes"`
}

// Term is a commitment a SKU can be bought for.
type Term struct {
	Duration     string `json:"duration"`
	Description  string `json:"description"`
	BillingCycle string `json:"billingCycle,omitempty"`
}

// Currency of an availability.
type Currency struct {
	Code   string `json:"code"`
	Symbol string `json:"symbol"`
}

// Availability is a SKU purchasable in a country: its catalogItemId is
// what a cart line names.
type Availability struct {
	ID              string     `json:"id"`
	ProductID       string     `json:"productId"`
	SkuID           string     `json:"skuId"`
	CatalogItemID   string     `json:"catalogItemId"`
	DefaultCurrency Currency   `json:"defaultCurrency"`
	Segment         string     `json:"segment"`
	Country         string     `json:"country"`
	IsPurchasable   bool       `json:"isPurchasable"`
	IsRenewable     bool       `json:"isRenewable"`
	Terms           []Term     `json:"terms"`
	Attributes      Attributes `json:"attributes"`
}

// Offer is a legacy (non new-commerce) offer.
type Offer struct {
	ID                     string     `json:"id"`
	Name                   string     `json:"name"`
	MinimumQuantity        int        `json:"minimumQuantity"`
	MaximumQuantity        int        `json:"maximumQuantity"`
	SupportedBillingCycles []string   `json:"supportedBillingCycles"`
	IsAvailableForPurchase bool       `json:"isAvailableForPurchase"`
	Attributes             Attributes `json:"attributes"`
}

// OrderLineItem is one line of an order.
type OrderLineItem struct {
	LineItemNumber int    `json:"lineItemNumber"`
	OfferID        string `json:"offerId"`
	SubscriptionID string `json:"subscriptionId,omitempty"`
	TermDuration   string `json:"termDuration,omitempty"`
	FriendlyName   string `json:"friendlyName,omitempty"`
	Quantity       int    `json:"quantity"`
}

// Order is a placed order. It is "pending" in the answer that places it
// and until its provisioning ends, then "completed"; its line items name
// their subscriptions only once provisioned.
type Order struct {
	ID                  string          `json:"id"`
	AlternateID         string          `json:"alternateId,omitempty"`
	ReferenceCustomerID string          `json:"referenceCustomerId"`
	BillingCycle        string          `json:"billingCycle"`
	CurrencyCode        string          `json:"currencyCode"`
	CurrencySymbol      string          `json:"currencySymbol,omitempty"`
	LineItems           []OrderLineItem `json:"lineItems"`
	CreationDate        time.Time       `json:"creationDate"`
	Status              string          `json:"status"`
	TransactionType     string          `json:"transactionType,omitempty"`
	Links               *OrderLinks     `json:"links,omitempty"`
	Attributes          Attributes      `json:"attributes"`

	// not serialized: when provisioning ends
	readyAt time.Time
}

// OrderLinks are an order's own address and its provisioning status's.
type OrderLinks struct {
	ProvisioningStatus *Link `json:"provisioningStatus,omitempty"`
	Self               *Link `json:"self,omitempty"`
}

// OrderLineItemProvisioningStatus is the provisioning state of one line.
type OrderLineItemProvisioningStatus struct {
	LineItemNumber                  int                          `json:"lineItemNumber"`
	Status                          string                       `json:"status"`
	QuantityProvisioningInformation []QuantityProvisioningStatus `json:"quantityProvisioningInformation"`
	Attributes                      Attributes                   `json:"attributes"`
}

// QuantityProvisioningStatus is how many units of a line are in a state.
type QuantityProvisioningStatus struct {
	Quantity int    `json:"quantity"`
	Status   string `json:"status"`
}

// CartLineItem is one line of a new-commerce cart.
type CartLineItem struct {
	ID                  int               `json:"id"`
	CatalogItemID       string            `json:"catalogItemId"`
	FriendlyName        string            `json:"friendlyName,omitempty"`
	Quantity            int               `json:"quantity"`
	CurrencyCode        string            `json:"currencyCode,omitempty"`
	BillingCycle        string            `json:"billingCycle"`
	TermDuration        string            `json:"termDuration,omitempty"`
	OrderGroup          string            `json:"orderGroup,omitempty"`
	ProvisioningContext map[string]string `json:"provisioningContext,omitempty"`
	Error               *CartError        `json:"error,omitempty"`
}

// CartError tells why a line cannot be bought.
type CartError struct {
	ErrorCode        string `json:"errorCode"`
	ErrorDescription string `json:"errorDescription"`
}

// Cart is a new-commerce cart.
type Cart struct {
	ID                    string         `json:"id"`
	CreationTimestamp     time.Time      `json:"creationTimestamp"`
	LastModifiedTimestamp time.Time      `json:"lastModifiedTimestamp"`
	ExpirationTimestamp   time.Time      `json:"expirationTimestamp"`
	LastModifiedUser      string         `json:"lastModifiedUser"`
	Status                string         `json:"status"`
	LineItems             []CartLineItem `json:"lineItems"`
	Attributes            Attributes     `json:"attributes"`
}

// OrderError is a cart line that checkout could not order.
type OrderError struct {
	OrderGroupID string `json:"orderGroupId"`
	Code         string `json:"code"`
	Description  string `json:"description"`
}

// CartCheckoutResult is checkout's answer.
type CartCheckoutResult struct {
	Orders      []Order      `json:"orders"`
	OrderErrors []OrderError `json:"orderErrors"`
	Attributes  Attributes   `json:"attributes"`
}

// Subscription is a customer's subscription.
type Subscription struct {
	ID                           string       `json:"id"`
	EntitlementID                string       `json:"entitlementId"`
	OfferID                      string       `json:"offerId"`
	OfferName                    string       `json:"offerName"`
	FriendlyName                 string       `json:"friendlyName"`
	Quantity                     int          `json:"quantity"`
	UnitType                     string       `json:"unitType"`
	CreationDate                 time.Time    `json:"creationDate"`
	EffectiveStartDate           time.Time    `json:"effectiveStartDate"`
	CommitmentEndDate            time.Time    `json:"commitmentEndDate"`
	CancellationAllowedUntilDate *time.Time   `json:"cancellationAllowedUntilDate,omitempty"`
	Status                       string       `json:"status"`
	AutoRenewEnabled             bool         `json:"autoRenewEnabled"`
	BillingType                  string       `json:"billingType"`
	BillingCycle                 string       `json:"billingCycle"`
	TermDuration                 string       `json:"termDuration,omitempty"`
	ContractType                 string       `json:"contractType"`
	OrderID                      string       `json:"orderId"`
	IsTrial                      bool         `json:"isTrial"`
	ProductType                  *ProductType `json:"productType,omitempty"`
	Attributes                   Attributes   `json:"attributes"`

	// not serialized
	customerID  string
	newCommerce bool
	visibleAt   time.Time // its order's provisioning end
	catalog     *catalogEntry
}

// AzureEntitlement is an Azure subscription under an Azure plan.
type AzureEntitlement struct {
	ID             string     `json:"id"`
	FriendlyName   string     `json:"friendlyName"`
	Status         string     `json:"status"`
	SubscriptionID string     `json:"subscriptionId"`
	Attributes     Attributes `json:"attributes"`
}

// AzureResource names what a utilization record measured.
type AzureResource struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Category    string `json:"category"`
	Subcategory string `json:"subcategory"`
	Region      string `json:"region"`
}

// InstanceData details a utilization record.
type InstanceData struct {
	ResourceURI string `json:"resourceUri"`
	Location    string `json:"location"`
	PartNumber  string `json:"partNumber"`
	OrderNumber string `json:"orderNumber"`
}

// AzureUtilizationRecord is a day's (or an hour's) usage of one meter.
type AzureUtilizationRecord struct {
	UsageStartTime time.Time         `json:"usageStartTime"`
	UsageEndTime   time.Time         `json:"usageEndTime"`
	Resource       AzureResource     `json:"resource"`
	Quantity       float64           `json:"quantity"`
	Unit           string            `json:"unit"`
	InfoFields     map[string]string `json:"infoFields"`
	InstanceData   *InstanceData     `json:"instanceData,omitempty"`
	Attributes     Attributes        `json:"attributes"`
}

// Link is a paging link.
type Link struct {
	URI     string       `json:"uri"`
	Method  string       `json:"method"`
	Headers []LinkHeader `json:"headers"`
}

// LinkHeader is a header to send with a link.
type LinkHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Collection is Partner Center's list envelope.
type Collection[T any] struct {
	TotalCount int             `json:"totalCount"`
	Items      []T             `json:"items"`
	Links      map[string]Link `json:"links,omitempty"`
	Attributes Attributes      `json:"attributes"`
}

// Error is Partner Center's error body: code is a string, data a list of
// details, source the service that answered.
type Error struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Data        []any  `json:"data"`
	Source      string `json:"source"`
}
