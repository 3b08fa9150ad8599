package partnercenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Attributes of a resource: its type and, when it changes, its etag.
type Attributes struct {
	Etag       string `json:"etag,omitempty"`
	ObjectType string `json:"objectType,omitempty"`
}

// Address is a postal address.
type Address struct {
	FirstName    string `json:"firstName,omitempty"`
	LastName     string `json:"lastName,omitempty"`
	AddressLine1 string `json:"addressLine1,omitempty"`
	City         string `json:"city,omitempty"`
	State        string `json:"state,omitempty"`
	PostalCode   string `json:"postalCode,omitempty"`
	Country      string `json:"country"`
	PhoneNumber  string `json:"phoneNumber,omitempty"`
}

// Customer is a CSP customer; its ID is its tenant id.
type Customer struct {
	ID             string `json:"id,omitempty"`
	CommerceID     string `json:"commerceId,omitempty"`
	CompanyProfile struct {
		TenantID    string `json:"tenantId,omitempty"`
		Domain      string `json:"domain"`
		CompanyName string `json:"companyName,omitempty"`
	} `json:"companyProfile"`
	BillingProfile struct {
		Email          string  `json:"email"`
		Culture        string  `json:"culture"`
		Language       string  `json:"language"`
		CompanyName    string  `json:"companyName"`
		DefaultAddress Address `json:"defaultAddress"`
	} `json:"billingProfile"`
	// UserCredentials is the new tenant's first admin, only in the answer
	// to its creation.
	UserCredentials *struct {
		UserName string `json:"userName"`
		Password string `json:"password"`
	} `json:"userCredentials,omitempty"`
}

// NewCustomer is what creating a customer needs.
type NewCustomer struct {
	Domain      string // prefix.onmicrosoft.com
	CompanyName string
	Email       string
	Address     Address
}

// Availability is a SKU purchasable in a country.
type Availability struct {
	ID            string `json:"id"`
	ProductID     string `json:"productId"`
	SkuID         string `json:"skuId"`
	CatalogItemID string `json:"catalogItemId"`
	IsPurchasable bool   `json:"isPurchasable"`
	Terms         []struct {
		Duration     string `json:"duration"`
		BillingCycle string `json:"billingCycle"`
	} `json:"terms"`
}

// OrderLineItem is a line of an order.
type OrderLineItem struct {
	LineItemNumber int    `json:"lineItemNumber"`
	OfferID        string `json:"offerId"`
	SubscriptionID string `json:"subscriptionId,omitempty"`
	TermDuration   string `json:"termDuration,omitempty"`
	FriendlyName   string `json:"friendlyName,omitempty"`
	Quantity       int    `json:"quantity"`
}

// Order is a Partner Center order: "pending" until provisioned, then
// "completed" (its line items name their subscriptions only then).
type Order struct {
	ID                  string          `json:"id,omitempty"`
	AlternateID         string          `json:"alternateId,omitempty"`
	ReferenceCustomerID string          `json:"referenceCustomerId,omitempty"`
	BillingCycle        string          `json:"billingCycle"`
	CurrencyCode        string          `json:"currencyCode,omitempty"`
	CurrencySymbol      string          `json:"currencySymbol,omitempty"`
	LineItems           []OrderLineItem `json:"lineItems"`
	Status              string          `json:"status,omitempty"`
	TransactionType     string          `json:"transactionType,omitempty"`
	CreationDate        time.Time       `json:"creationDate,omitzero"`
	Links               *OrderLinks     `json:"links,omitempty"`
}

// OrderLinks are the addresses of an order and of its provisioning status.
type OrderLinks struct {
	ProvisioningStatus *Link `json:"provisioningStatus,omitempty"`
	Self               *Link `json:"self,omitempty"`
}

// Link is an address Partner Center gives, with the headers to send.
type Link struct {
	URI     string `json:"uri"`
	Method  string `json:"method,omitempty"`
	Headers []struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"headers,omitempty"`
}

// Completed reports whether the order is provisioned.
func (o Order) Completed() bool { return strings.EqualFold(o.Status, "completed") }

// CartLineItem is a line of a new-commerce cart.
type CartLineItem struct {
	ID            int    `json:"id"`
	CatalogItemID string `json:"catalogItemId"`
	FriendlyName  string `json:"friendlyName,omitempty"`
	Quantity      int    `json:"quantity"`
	BillingCycle  string `json:"billingCycle"`
	TermDuration  string `json:"termDuration,omitempty"`
	Error         *struct {
		ErrorCode        string `json:"errorCode"`
		ErrorDescription string `json:"errorDescription"`
	} `json:"error,omitempty"`
}

// Cart is a new-commerce cart.
type Cart struct {
	ID        string         `json:"id,omitempty"`
	Status    string         `json:"status,omitempty"`
	LineItems []CartLineItem `json:"lineItems"`
}

// OrderError is a cart line checkout could not order.
type OrderError struct {
	OrderGroupID string `json:"orderGroupId"`
	Code         string `json:"code"`
	Description  string `json:"description"`
}

// CheckoutResult is the answer to a checkout.
type CheckoutResult struct {
	Orders      []Order      `json:"orders"`
	OrderErrors []OrderError `json:"orderErrors"`
}

// Subscription is a customer's subscription. Update sends it back whole
// with the changed fields, its etag in If-Match.
type Subscription struct {
	ID               string `json:"id"`
	EntitlementID    string `json:"entitlementId,omitempty"`
	OfferID          string `json:"offerId"`
	OfferName        string `json:"offerName,omitempty"`
	FriendlyName     string `json:"friendlyName,omitempty"`
	Quantity         int    `json:"quantity"`
	UnitType         string `json:"unitType,omitempty"`
	Status           string `json:"status"`
	AutoRenewEnabled bool   `json:"autoRenewEnabled"`
	// CancellationAllowedUntilDate ends a new-commerce subscription's
	// cancellation window.
	CancellationAllowedUntilDate *time.Time `json:"cancellationAllowedUntilDate,omitempty"`
	BillingType                  string     `json:"billingType,omitempty"`
	BillingCycle                 string     `json:"billingCycle,omitempty"`
	TermDuration                 string     `json:"termDuration,omitempty"`
	CreationDate                 time.Time  `json:"creationDate,omitzero"`
	CommitmentEndDate            time.Time  `json:"commitmentEndDate,omitzero"`
	OrderID                      string     `json:"orderId,omitempty"`
	Attributes                   Attributes `json:"attributes"`
}

// AzureEntitlement is an Azure subscription of an Azure plan.
type AzureEntitlement struct {
	ID             string `json:"id"`
	FriendlyName   string `json:"friendlyName"`
	Status         string `json:"status"`
	SubscriptionID string `json:"subscriptionId"`
}

// UtilizationRecord is a period's usage of one Azure meter.
type UtilizationRecord struct {
	UsageStartTime time.Time `json:"usageStartTime"`
	UsageEndTime   time.Time `json:"usageEndTime"`
	Resource       struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Category    string `json:"category"`
		Subcategory string `json:"subcategory"`
		Region      string `json:"region"`
	} `json:"resource"`
	Quantity     float64 `json:"quantity"`
	Unit         string  `json:"unit"`
	InstanceData *struct {
		ResourceURI string `json:"resourceUri"`
		Location    string `json:"location"`
		PartNumber  string `json:"partNumber"`
	} `json:"instanceData,omitempty"`
}

type collection[T any] struct {
	TotalCount int             `json:"totalCount"`
	Items      []T             `json:"items"`
	Links      map[string]Link `json:"links"`
}

// DomainExists reports whether a domain is taken (HEAD /v1/domains/{d}:
// 200 taken, 404 free).
func (c *Client) DomainExists(ctx context.Context, domain string) (bool, error) {
	_, _, err := c.do(ctx, call{method: http.MethodHead, path: "/domains/" + url.PathEscape(domain)})
	if IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, nil
}

// CreateCustomer creates a customer and its tenant.
func (c *Client) CreateCustomer(ctx context.Context, nc NewCustomer) (Customer, error) {
	var in Customer
	in.CompanyProfile.Domain = nc.Domain
	in.BillingProfile.Email, in.BillingProfile.CompanyName = nc.Email, nc.CompanyName
	in.BillingProfile.Culture, in.BillingProfile.Language = "en-US", "en"
	in.BillingProfile.DefaultAddress = nc.Address
	var out Customer
	_, _, err := c.do(ctx, call{method: http.MethodPost, path: "/customers", body: in, out: &out})
	return out, err
}

// GetCustomer reads a customer.
func (c *Client) GetCustomer(ctx context.Context, id string) (Customer, error) {
	var out Customer
	_, _, err := c.do(ctx, call{method: http.MethodGet, path: "/customers/" + url.PathEscape(id), out: &out})
	return out, err
}

// FindCustomerByDomain returns the partner's customer with exactly that
// domain, or nil.
func (c *Client) FindCustomerByDomain(ctx context.Context, domain string) (*Customer, error) {
	f, _ := json.Marshal(map[string]string{"Field": "Domain", "Value": domain, "Operator": "starts_with"})
	var out collection[Customer]
	if _, _, err := c.do(ctx, call{method: http.MethodGet, path: "/customers?size=100&filter=" + url.QueryEscape(string(f)), out: &out}); err != nil {
		return nil, err
	}
	for _, cu := range out.Items {
		if strings.EqualFold(cu.CompanyProfile.Domain, domain) {
			return &cu, nil
		}
	}
	return nil, nil
}

// Availabilities lists a SKU's availabilities in a country.
func (c *Client) Availabilities(ctx context.Context, productID, skuID, country string) ([]Availability, error) {
	var out collection[Availability]
	_, _, err := c.do(ctx, call{method: http.MethodGet, out: &out,
		path: fmt.Sprintf("/products/%s/skus/%s/availabilities?country=%s", url.PathEscape(productID), url.PathEscape(skuID), url.QueryEscape(country))})
	return out.Items, err
}

// CreateOrder places a legacy order.
func (c *Client) CreateOrder(ctx context.Context, customerID string, o Order) (Order, error) {
	var out Order
	_, _, err := c.do(ctx, call{method: http.MethodPost, path: "/customers/" + url.PathEscape(customerID) + "/orders", body: o, out: &out})
	return out, err
}

// CreateCart creates a new-commerce cart.
func (c *Client) CreateCart(ctx context.Context, customerID string, cart Cart) (Cart, error) {
	var out Cart
	_, _, err := c.do(ctx, call{method: http.MethodPost, path: "/customers/" + url.PathEscape(customerID) + "/carts", body: cart, out: &out})
	return out, err
}

// Checkout orders a cart.
func (c *Client) Checkout(ctx context.Context, customerID, cartID string) (CheckoutResult, error) {
	var out CheckoutResult
	_, _, err := c.do(ctx, call{method: http.MethodPost, path: "/customers/" + url.PathEscape(customerID) + "/carts/" + url.PathEscape(cartID) + "/checkout", out: &out})
	return out, err
}

// Subscriptions lists a customer's subscriptions.
func (c *Client) Subscriptions(ctx context.Context, customerID string) ([]Subscription, error) {
	var out collection[Subscription]
	_, _, err := c.do(ctx, call{method: http.MethodGet, path: "/customers/" + url.PathEscape(customerID) + "/subscriptions", out: &out})
	return out.Items, err
}

// GetSubscription reads a subscription (with its etag).
func (c *Client) GetSubscription(ctx context.Context, customerID, subscriptionID string) (Subscription, error) {
	var out Subscription
	_, _, err := c.do(ctx, call{method: http.MethodGet, out: &out,
		path: "/customers/" + url.PathEscape(customerID) + "/subscriptions/" + url.PathEscape(subscriptionID)})
	return out, err
}

// UpdateSubscription PATCHes a subscription read before (its etag in
// If-Match) with the fields changed.
func (c *Client) UpdateSubscription(ctx context.Context, customerID string, s Subscription) (Subscription, error) {
	var out Subscription
	h := map[string]string{}
	if s.Attributes.Etag != "" {
		h["If-Match"] = s.Attributes.Etag
	}
	_, _, err := c.do(ctx, call{method: http.MethodPatch, body: s, out: &out, header: h,
		path: "/customers/" + url.PathEscape(customerID) + "/subscriptions/" + url.PathEscape(s.ID)})
	return out, err
}

// AzureEntitlements lists the Azure subscriptions of an Azure plan.
func (c *Client) AzureEntitlements(ctx context.Context, customerID, planSubscriptionID string) ([]AzureEntitlement, error) {
	var out collection[AzureEntitlement]
	_, _, err := c.do(ctx, call{method: http.MethodGet, out: &out,
		path: "/customers/" + url.PathEscape(customerID) + "/subscriptions/" + url.PathEscape(planSubscriptionID) + "/azureEntitlements"})
	return out.Items, err
}

// ErrNotReady is returned when Partner Center has no utilization for the
// range yet (204); NotReadyError carries its Retry-After.
var ErrNotReady = errors.New("partner center: utilization not ready")

// NotReadyError wraps ErrNotReady with the wait Partner Center asked for.
type NotReadyError struct{ RetryAfter time.Duration }

func (e *NotReadyError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", ErrNotReady, e.RetryAfter)
}

func (e *NotReadyError) Unwrap() error { return ErrNotReady }

// AzureUtilization reads every daily utilization record of an Azure
// subscription in [start, end), following continuation links.
func (c *Client) AzureUtilization(ctx context.Context, customerID, subscriptionID string, start, end time.Time) ([]UtilizationRecord, error) {
	q := url.Values{"start_time": {start.UTC().Format(time.RFC3339)}, "end_time": {end.UTC().Format(time.RFC3339)},
		"granularity": {"daily"}, "show_details": {"true"}, "size": {"1000"}}
	path := "/customers/" + url.PathEscape(customerID) + "/subscriptions/" + url.PathEscape(subscriptionID) + "/utilizations/azure?" + q.Encode()
	var all []UtilizationRecord
	header := map[string]string{}
	for page := 0; page < 1000; page++ {
		var out collection[UtilizationRecord]
		status, hdr, err := c.do(ctx, call{method: http.MethodGet, path: path, out: &out, header: header})
		if err != nil {
			return nil, err
		}
		if status == http.StatusNoContent {
			if page == 0 {
				return nil, &NotReadyError{RetryAfter: retryAfter(hdr)}
			}
			break
		}
		all = append(all, out.Items...)
		next, ok := out.Links["next"]
		if !ok || next.URI == "" {
			break
		}
		path = strings.TrimPrefix(next.URI, "/v1")
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		header = map[string]string{}
		for _, h := range next.Headers {
			header[h.Key] = h.Value
		}
	}
	return all, nil
}
