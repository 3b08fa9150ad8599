package partnercenter

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// SubscribedSKU is a customer's licences of one SKU.
type SubscribedSKU struct {
	AvailableUnits int `json:"availableUnits"`
	ActiveUnits    int `json:"activeUnits"`
	ConsumedUnits  int `json:"consumedUnits"`
	SuspendedUnits int `json:"suspendedUnits"`
	TotalUnits     int `json:"totalUnits"`
	ProductSku     struct {
		ID            string `json:"id"`
		Name          string `json:"name"`
		SkuPartNumber string `json:"skuPartNumber"`
	} `json:"productSku"`
	CapabilityStatus string `json:"capabilityStatus"`
}

// SubscribedSKUs lists a customer's licences by SKU.
func (c *Client) SubscribedSKUs(ctx context.Context, customerID string) ([]SubscribedSKU, error) {
	var out collection[SubscribedSKU]
	_, _, err := c.do(ctx, call{method: http.MethodGet, path: "/customers/" + url.PathEscape(customerID) + "/subscribedskus", out: &out})
	return out.Items, err
}

// Upgrade is a legacy subscription's possible move to another offer.
type Upgrade struct {
	TargetOffer struct {
		ID   string `json:"id"`
		Name string `json:"name,omitempty"`
	} `json:"targetOffer"`
	UpgradeType          string   `json:"upgradeType"`
	IsEligible           bool     `json:"isEligible"`
	Quantity             int      `json:"quantity"`
	IneligibilityReasons []string `json:"ineligibilityReasons,omitempty"`
}

// UpgradeResult is the answer to an upgrade.
type UpgradeResult struct {
	SourceSubscriptionID string `json:"sourceSubscriptionId"`
	TargetSubscriptionID string `json:"targetSubscriptionId"`
	UpgradeType          string `json:"upgradeType"`
}

func subPath(customerID, subscriptionID, rest string) string {
	return "/customers/" + url.PathEscape(customerID) + "/subscriptions/" + url.PathEscape(subscriptionID) + rest
}

// Upgrades lists the offers a legacy subscription may be upgraded to.
func (c *Client) Upgrades(ctx context.Context, customerID, subscriptionID string) ([]Upgrade, error) {
	var out collection[Upgrade]
	_, _, err := c.do(ctx, call{method: http.MethodGet, path: subPath(customerID, subscriptionID, "/upgrades"), out: &out})
	return out.Items, err
}

// ApplyUpgrade upgrades a legacy subscription as u (one of Upgrades).
func (c *Client) ApplyUpgrade(ctx context.Context, customerID, subscriptionID string, u Upgrade) (UpgradeResult, error) {
	var out UpgradeResult
	_, _, err := c.do(ctx, call{method: http.MethodPost, path: subPath(customerID, subscriptionID, "/upgrades"), body: u, out: &out})
	return out, err
}

// TransitionEligibility is a catalog item a new-commerce subscription may
// move to, with the transition types allowed.
type TransitionEligibility struct {
	CatalogItemID string `json:"catalogItemId"`
	Title         string `json:"title"`
	Eligibilities []struct {
		IsEligible     bool   `json:"isEligible"`
		TransitionType string `json:"transitionType"`
	} `json:"eligibilities"`
}

// Transition moves seats of a new-commerce subscription to another
// catalog item (TransitionType transition_only or
// transition_with_license_transfer).
type Transition struct {
	ID                 string    `json:"id,omitempty"`
	FromCatalogItemID  string    `json:"fromCatalogItemId,omitempty"`
	ToCatalogItemID    string    `json:"toCatalogItemId"`
	FromSubscriptionID string    `json:"fromSubscriptionId,omitempty"`
	ToSubscriptionID   string    `json:"toSubscriptionId,omitempty"`
	Quantity           int       `json:"quantity"`
	TransitionType     string    `json:"transitionType"`
	Status             string    `json:"status,omitempty"`
	CreationDate       time.Time `json:"creationDate,omitzero"`
}

// TransitionEligibilities lists where a new-commerce subscription may move
// now.
func (c *Client) TransitionEligibilities(ctx context.Context, customerID, subscriptionID string) ([]TransitionEligibility, error) {
	var out collection[TransitionEligibility]
	_, _, err := c.do(ctx, call{method: http.MethodGet, path: subPath(customerID, subscriptionID, "/transitionEligibilities?eligibilityType=immediate"), out: &out})
	return out.Items, err
}

// CreateTransition moves seats of a new-commerce subscription.
func (c *Client) CreateTransition(ctx context.Context, customerID, subscriptionID string, t Transition) (Transition, error) {
	var out Transition
	_, _, err := c.do(ctx, call{method: http.MethodPost, path: subPath(customerID, subscriptionID, "/transitions"), body: t, out: &out})
	return out, err
}

// Transitions lists a subscription's transitions.
func (c *Client) Transitions(ctx context.Context, customerID, subscriptionID string) ([]Transition, error) {
	var out collection[Transition]
	_, _, err := c.do(ctx, call{method: http.MethodGet, path: subPath(customerID, subscriptionID, "/transitions"), out: &out})
	return out.Items, err
}
