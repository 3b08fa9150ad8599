package partnercenter

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// SubscribedSku is a customer's licences of one SKU, summed over its
// subscriptions.
type SubscribedSku struct {
	AvailableUnits   int        `json:"availableUnits"`
	ActiveUnits      int        `json:"activeUnits"`
	ConsumedUnits    int        `json:"consumedUnits"`
	SuspendedUnits   int        `json:"suspendedUnits"`
	TotalUnits       int        `json:"totalUnits"`
	WarningUnits     int        `json:"warningUnits"`
	ProductSku       ProductSku `json:"productSku"`
	ServicePlans     []any      `json:"servicePlans"`
	CapabilityStatus string     `json:"capabilityStatus"`
	Attributes       Attributes `json:"attributes"`
}

// ProductSku names a subscribed SKU.
type ProductSku struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	SkuPartNumber string `json:"skuPartNumber"`
	TargetType    string `json:"targetType"`
}

// subscribedSKUs answers GET /customers/{id}/subscribedskus: the licences
// of the customer's active and suspended licence subscriptions. No
// licence is assigned to a user by the emulator: consumedUnits is 0.
func (e *Emulator) subscribedSKUs(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	now := e.now().UTC()
	e.mu.Lock()
	by := map[string]*SubscribedSku{}
	for _, s := range e.subs {
		if s.customerID != c.ID || !s.visible(now) || s.BillingType == "usage" || s.Status == "deleted" {
			continue
		}
		key := strings.SplitN(s.OfferID, ":", 3)
		id := key[0]
		if len(key) > 1 {
			id = key[0] + ":" + key[1]
		}
		sk := by[id]
		if sk == nil {
			sk = &SubscribedSku{ProductSku: ProductSku{ID: id, Name: s.OfferName, SkuPartNumber: strings.ToUpper(strings.ReplaceAll(s.OfferName, " ", "_")), TargetType: "User"},
				ServicePlans: []any{}, CapabilityStatus: "Enabled", Attributes: Attributes{ObjectType: "SubscribedSku"}}
			by[id] = sk
		}
		if s.Status == "suspended" {
			sk.SuspendedUnits += s.Quantity
		} else {
			sk.ActiveUnits += s.Quantity
		}
	}
	e.mu.Unlock()
	items := make([]SubscribedSku, 0, len(by))
	for _, sk := range by {
		sk.TotalUnits = sk.ActiveUnits + sk.SuspendedUnits
		sk.AvailableUnits = sk.ActiveUnits - sk.ConsumedUnits
		items = append(items, *sk)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].ProductSku.ID < items[j].ProductSku.ID })
	writeJSON(w, http.StatusOK, collection(items))
}

// Upgrade is a legacy subscription's possible move to another offer.
type Upgrade struct {
	TargetOffer          Offer      `json:"targetOffer"`
	UpgradeType          string     `json:"upgradeType"`
	IsEligible           bool       `json:"isEligible"`
	Quantity             int        `json:"quantity"`
	IneligibilityReasons []string   `json:"ineligibilityReasons"`
	Attributes           Attributes `json:"attributes"`
}

// UpgradeResult is the answer to an upgrade.
type UpgradeResult struct {
	SourceSubscriptionID string     `json:"sourceSubscriptionId"`
	TargetSubscriptionID string     `json:"targetSubscriptionId"`
	UpgradeType          string     `json:"upgradeType"`
	UpgradeErrors        []any      `json:"upgradeErrors"`
	Attributes           Attributes `json:"attributes"`
}

// upgradesOf lists the legacy offers s may move to: every other legacy
// offer, eligible while s is active.
func (e *Emulator) upgradesOf(s *Subscription) []Upgrade {
	var out []Upgrade
	for _, o := range e.offers {
		if strings.EqualFold(o.ID, s.OfferID) {
			continue
		}
		u := Upgrade{TargetOffer: o, UpgradeType: "upgrade_with_license_transfer", IsEligible: s.Status == "active", Quantity: s.Quantity,
			IneligibilityReasons: []string{}, Attributes: Attributes{ObjectType: "Upgrade"}}
		if !u.IsEligible {
			u.IneligibilityReasons = []string{"subscription_not_active"}
		}
		out = append(out, u)
	}
	return out
}

func (e *Emulator) listUpgrades(w http.ResponseWriter, r *http.Request) {
	s := e.subscription(w, r)
	if s == nil {
		return
	}
	if s.newCommerce {
		writeError(w, http.StatusBadRequest, "800098", "A new-commerce subscription is changed with a transition, not an upgrade.")
		return
	}
	e.mu.Lock()
	items := e.upgradesOf(s)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, collection(items))
}

// upgrade moves a legacy subscription's seats to another offer: a new
// subscription of the target offer, the source suspended.
func (e *Emulator) upgrade(w http.ResponseWriter, r *http.Request) {
	s := e.subscription(w, r)
	if s == nil {
		return
	}
	var in Upgrade
	if !readBody(w, r, &in) {
		return
	}
	now := e.now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	var target *Upgrade
	for _, u := range e.upgradesOf(s) {
		if strings.EqualFold(u.TargetOffer.ID, in.TargetOffer.ID) {
			target = &u
		}
	}
	switch {
	case s.newCommerce:
		writeError(w, http.StatusBadRequest, "800098", "A new-commerce subscription is changed with a transition, not an upgrade.")
		return
	case target == nil:
		writeError(w, http.StatusBadRequest, "800002", fmt.Sprintf("The offer %s is not an upgrade of the subscription.", in.TargetOffer.ID))
		return
	case !target.IsEligible:
		writeError(w, http.StatusBadRequest, "800099", "The subscription is not eligible for an upgrade: "+strings.Join(target.IneligibilityReasons, ", "))
		return
	}
	to := e.newSubscriptionLocked(s.customerID, s.OrderID, strings.ToUpper(target.TargetOffer.ID), target.TargetOffer.Name, "", s.Quantity, s.BillingCycle, "", "Licenses", false, now)
	s.Status, s.Attributes.Etag = "suspended", newEtag()
	writeJSON(w, http.StatusOK, UpgradeResult{SourceSubscriptionID: s.ID, TargetSubscriptionID: to.ID, UpgradeType: target.UpgradeType,
		UpgradeErrors: []any{}, Attributes: Attributes{ObjectType: "UpgradeResult"}})
}

// TransitionEligibility is a catalog item a new-commerce subscription may
// move to.
type TransitionEligibility struct {
	CatalogItemID string        `json:"catalogItemId"`
	Title         string        `json:"title"`
	Eligibilities []Eligibility `json:"eligibilities"`
	Attributes    Attributes    `json:"attributes"`
}

// Eligibility says whether a transition of a type is possible.
type Eligibility struct {
	IsEligible     bool   `json:"isEligible"`
	TransitionType string `json:"transitionType"`
	Errors         []any  `json:"errors"`
}

// Transition moves seats of a new-commerce subscription to another
// catalog item.
type Transition struct {
	ID                 string     `json:"id,omitempty"`
	FromCatalogItemID  string     `json:"fromCatalogItemId,omitempty"`
	ToCatalogItemID    string     `json:"toCatalogItemId"`
	FromSubscriptionID string     `json:"fromSubscriptionId,omitempty"`
	ToSubscriptionID   string     `json:"toSubscriptionId,omitempty"`
	Quantity           int        `json:"quantity"`
	TermDuration       string     `json:"termDuration,omitempty"`
	BillingCycle       string     `json:"billingCycle,omitempty"`
	TransitionType     string     `json:"transitionType"`
	Status             string     `json:"status,omitempty"`
	CreationDate       time.Time  `json:"creationDate,omitzero"`
	Attributes         Attributes `json:"attributes"`
}

// transitionTargets are the purchasable licence SKUs other than s's.
func (e *Emulator) transitionTargets(s *Subscription) []*catalogEntry {
	var out []*catalogEntry
	for i := range e.catalog {
		c := &e.catalog[i]
		if c == s.catalog || c.azurePlan || !c.availability.IsPurchasable {
			continue
		}
		out = append(out, c)
	}
	return out
}

func (e *Emulator) transitionEligibilities(w http.ResponseWriter, r *http.Request) {
	s := e.subscription(w, r)
	if s == nil {
		return
	}
	if !s.newCommerce || s.catalog == nil || s.catalog.azurePlan {
		writeError(w, http.StatusBadRequest, "800098", "Only a new-commerce licence subscription has transitions.")
		return
	}
	e.mu.Lock()
	var items []TransitionEligibility
	for _, c := range e.transitionTargets(s) {
		var el []Eligibility
		for _, t := range []string{"transition_only", "transition_with_license_transfer"} {
			el = append(el, Eligibility{IsEligible: s.Status == "active", TransitionType: t, Errors: []any{}})
		}
		items = append(items, TransitionEligibility{CatalogItemID: c.availability.CatalogItemID, Title: c.sku.Title, Eligibilities: el,
			Attributes: Attributes{ObjectType: "TransitionEligibility"}})
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, collection(items))
}

// transition moves quantity seats of a new-commerce subscription to
// another catalog item, in a new subscription or one named: the source
// keeps the rest (with license transfer) or all (transition only); a
// source left with no seat is cancelled.
func (e *Emulator) transition(w http.ResponseWriter, r *http.Request) {
	s := e.subscription(w, r)
	if s == nil {
		return
	}
	var in Transition
	if !readBody(w, r, &in) {
		return
	}
	now := e.now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	var target *catalogEntry
	if s.newCommerce && s.catalog != nil && !s.catalog.azurePlan {
		for _, c := range e.transitionTargets(s) {
			if strings.EqualFold(c.availability.CatalogItemID, in.ToCatalogItemID) {
				target = c
			}
		}
	}
	in.TransitionType = strings.ToLower(in.TransitionType)
	switch {
	case !s.newCommerce || s.catalog == nil || s.catalog.azurePlan:
		writeError(w, http.StatusBadRequest, "800098", "Only a new-commerce licence subscription has transitions.")
		return
	case target == nil:
		writeError(w, http.StatusBadRequest, "800002", fmt.Sprintf("toCatalogItemId %q is not a transition of the subscription.", in.ToCatalogItemID))
		return
	case in.TransitionType != "transition_only" && in.TransitionType != "transition_with_license_transfer":
		writeError(w, http.StatusBadRequest, "400", "transitionType must be transition_only or transition_with_license_transfer.")
		return
	case s.Status != "active":
		writeError(w, http.StatusBadRequest, "800099", "Only an active subscription can be transitioned.")
		return
	case in.Quantity < 1 || in.Quantity > s.Quantity:
		writeError(w, http.StatusBadRequest, "800005", fmt.Sprintf("quantity must be between 1 and the subscription's %d.", s.Quantity))
		return
	}
	term, cycle := s.TermDuration, s.BillingCycle
	offerID := target.availability.CatalogItemID + ":" + term + ":" + cycle
	var to *Subscription
	if in.ToSubscriptionID != "" {
		to = e.subs[strings.ToLower(in.ToSubscriptionID)]
		if to == nil || to.customerID != s.customerID || !strings.EqualFold(to.OfferID, offerID) {
			writeError(w, http.StatusBadRequest, "800002", "toSubscriptionId is not a subscription of the customer for toCatalogItemId with the same term.")
			return
		}
		to.Quantity += in.Quantity
		to.Attributes.Etag = newEtag()
	} else {
		to = e.newSubscriptionLocked(s.customerID, s.OrderID, offerID, target.sku.Title, "", in.Quantity, cycle, term, target.unitType, true, now)
		to.catalog, to.ProductType = target, &ProductType{ID: target.product.ProductType.ID, DisplayName: target.product.ProductType.DisplayName}
		to.CommitmentEndDate, to.AutoRenewEnabled = s.CommitmentEndDate, s.AutoRenewEnabled
	}
	if in.TransitionType == "transition_with_license_transfer" {
		s.Quantity -= in.Quantity
	}
	if s.Quantity == 0 {
		s.Status, s.AutoRenewEnabled = "deleted", false
	}
	s.Attributes.Etag = newEtag()
	t := Transition{ID: newGUID(), FromCatalogItemID: s.catalog.availability.CatalogItemID, ToCatalogItemID: target.availability.CatalogItemID,
		FromSubscriptionID: s.ID, ToSubscriptionID: to.ID, Quantity: in.Quantity, TermDuration: term, BillingCycle: cycle,
		TransitionType: in.TransitionType, Status: "complete", CreationDate: now, Attributes: Attributes{ObjectType: "Transition"}}
	e.transitions[s.ID] = append(e.transitions[s.ID], t)
	e.chargeLocked(to, "new", in.Quantity, now)
	writeJSON(w, http.StatusCreated, t)
}

func (e *Emulator) listTransitions(w http.ResponseWriter, r *http.Request) {
	s := e.subscription(w, r)
	if s == nil {
		return
	}
	e.mu.Lock()
	items := append([]Transition(nil), e.transitions[s.ID]...)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, collection(items))
}
