package partnercenter

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

var domainRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,26}\.onmicrosoft\.com$`)

func (e *Emulator) domainExists(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	_, taken := e.domains[strings.ToLower(r.PathValue("domain"))]
	e.mu.Unlock()
	if taken {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.WriteHeader(http.StatusNotFound)
}

func (e *Emulator) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in Customer
	if !readBody(w, r, &in) {
		return
	}
	domain := strings.ToLower(strings.TrimSpace(in.CompanyProfile.Domain))
	bp := in.BillingProfile
	switch {
	case !domainRE.MatchString(domain):
		writeError(w, http.StatusBadRequest, "1006", fmt.Sprintf("The domain prefix %q is not valid: use 1 to 27 letters, digits and hyphens before .onmicrosoft.com.", domain))
		return
	case bp.Email == "" || bp.CompanyName == "" || bp.DefaultAddress.Country == "":
		writeError(w, http.StatusBadRequest, "400", "The billing profile needs an email, a company name and a default address with a country.")
		return
	}
	e.mu.Lock()
	if _, taken := e.domains[domain]; taken {
		e.mu.Unlock()
		writeError(w, http.StatusConflict, "1001", fmt.Sprintf("The domain %s is not available: it is already in use.", domain))
		return
	}
	id := newGUID()
	prefix := strings.TrimSuffix(domain, ".onmicrosoft.com")
	c := &Customer{
		ID: id, CommerceID: newGUID(),
		CompanyProfile:        CompanyProfile{TenantID: id, Domain: domain, CompanyName: bp.CompanyName, Attributes: Attributes{ObjectType: "CustomerCompanyProfile"}},
		BillingProfile:        bp,
		RelationshipToPartner: "reseller", AllowDelegatedAccess: true,
		Attributes: Attributes{ObjectType: "Customer"},
	}
	c.BillingProfile.ID = newGUID()
	c.BillingProfile.Attributes = Attributes{Etag: newEtag(), ObjectType: "CustomerBillingProfile"}
	if c.BillingProfile.Culture == "" {
		c.BillingProfile.Culture = "en-US"
	}
	if c.BillingProfile.Language == "" {
		c.BillingProfile.Language = "en"
	}
	e.customers[id] = c
	e.domains[domain] = id
	e.stats.CustomersCreated++
	admin := e.addUserLocked(id, CustomerUser{UserPrincipalName: "admin@" + domain, DisplayName: strings.TrimSpace(bp.FirstName + " " + bp.LastName),
		FirstName: bp.FirstName, LastName: bp.LastName, UsageLocation: strings.ToUpper(bp.DefaultAddress.Country)})
	e.members[id+"/"+CompanyAdministratorRole] = []UserMember{{ID: admin.ID, DisplayName: admin.DisplayName, UserPrincipalName: admin.UserPrincipalName,
		RoleID: CompanyAdministratorRole, Attributes: Attributes{ObjectType: "UserMember"}}}
	e.mu.Unlock()
	out := *c
	out.UserCredentials = &UserCredentials{UserName: "admin@" + prefix + ".onmicrosoft.com", Password: password()}
	if e.cfg.OnCustomerCreated != nil {
		e.cfg.OnCustomerCreated(out)
	}
	e.log.InfoContext(r.Context(), "partner center: customer created", "customer", id, "domain", domain)
	writeJSON(w, http.StatusCreated, out)
}

func password() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "Pc!" + base64.RawURLEncoding.EncodeToString(b)
}

func (e *Emulator) listCustomers(w http.ResponseWriter, r *http.Request) {
	var filter struct{ Field, Value, Operator string }
	if f := r.URL.Query().Get("filter"); f != "" {
		if err := json.Unmarshal([]byte(f), &filter); err != nil {
			writeError(w, http.StatusBadRequest, "400", "The filter is not valid JSON.")
			return
		}
	}
	e.mu.Lock()
	var items []Customer
	for _, c := range e.customers {
		if filter.Value != "" {
			v := c.CompanyProfile.Domain
			if strings.EqualFold(filter.Field, "CompanyName") {
				v = c.CompanyProfile.CompanyName
			}
			if !strings.HasPrefix(strings.ToLower(v), strings.ToLower(filter.Value)) {
				continue
			}
		}
		items = append(items, *c)
	}
	e.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].CompanyProfile.Domain < items[j].CompanyProfile.Domain })
	writeJSON(w, http.StatusOK, collection(items))
}

// customer returns the customer of the path, or answers 404.
func (e *Emulator) customer(w http.ResponseWriter, r *http.Request) *Customer {
	e.mu.Lock()
	c := e.customers[strings.ToLower(r.PathValue("cid"))]
	e.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "600013", fmt.Sprintf("Customer %s was not found.", r.PathValue("cid")))
	}
	return c
}

func (e *Emulator) getCustomer(w http.ResponseWriter, r *http.Request) {
	if c := e.customer(w, r); c != nil {
		e.mu.Lock()
		out := *c
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	}
}

func (e *Emulator) listProducts(w http.ResponseWriter, r *http.Request) {
	view := strings.ToLower(r.URL.Query().Get("targetView"))
	var items []Product
	for _, c := range e.catalog {
		if view == "" || (view == "azure" || view == "microsoftazure") == c.azurePlan {
			items = append(items, c.product)
		}
	}
	writeJSON(w, http.StatusOK, collection(items))
}

func (e *Emulator) entry(w http.ResponseWriter, r *http.Request, needSKU bool) *catalogEntry {
	for i := range e.catalog {
		c := &e.catalog[i]
		if strings.EqualFold(c.product.ID, r.PathValue("pid")) && (!needSKU || strings.EqualFold(c.sku.ID, r.PathValue("sid"))) {
			return c
		}
	}
	writeError(w, http.StatusNotFound, "400013", "The product or SKU was not found in the catalog.")
	return nil
}

func (e *Emulator) getProduct(w http.ResponseWriter, r *http.Request) {
	if c := e.entry(w, r, false); c != nil {
		writeJSON(w, http.StatusOK, c.product)
	}
}

func (e *Emulator) listSKUs(w http.ResponseWriter, r *http.Request) {
	if c := e.entry(w, r, false); c != nil {
		writeJSON(w, http.StatusOK, collection([]SKU{c.sku}))
	}
}

func (e *Emulator) getSKU(w http.ResponseWriter, r *http.Request) {
	if c := e.entry(w, r, true); c != nil {
		writeJSON(w, http.StatusOK, c.sku)
	}
}

func (e *Emulator) listAvailabilities(w http.ResponseWriter, r *http.Request) {
	if c := e.entry(w, r, true); c != nil {
		a := c.availability
		a.Country = strings.ToUpper(r.URL.Query().Get("country"))
		if a.Country == "" {
			a.Country = "US"
		}
		writeJSON(w, http.StatusOK, collection([]Availability{a}))
	}
}

func (e *Emulator) listOffers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, collection(e.offers))
}

func (e *Emulator) getOffer(w http.ResponseWriter, r *http.Request) {
	if o := e.offerByID(r.PathValue("oid")); o != nil {
		writeJSON(w, http.StatusOK, *o)
		return
	}
	writeError(w, http.StatusNotFound, "400013", "The offer was not found.")
}

// createOrder places a legacy order: each line creates a subscription.
func (e *Emulator) createOrder(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	var in Order
	if !readBody(w, r, &in) {
		return
	}
	if len(in.LineItems) == 0 {
		writeError(w, http.StatusBadRequest, "800000", "The order has no line items.")
		return
	}
	cycle := strings.ToLower(in.BillingCycle)
	if cycle == "" {
		cycle = "monthly"
	}
	for _, li := range in.LineItems {
		o := e.offerByID(li.OfferID)
		switch {
		case o == nil:
			writeError(w, http.StatusBadRequest, "800002", fmt.Sprintf("The offer %s is not valid for this customer.", li.OfferID))
			return
		case !o.IsAvailableForPurchase:
			writeError(w, http.StatusBadRequest, "800059", fmt.Sprintf("The offer %s is not available for purchase.", li.OfferID))
			return
		case li.Quantity < o.MinimumQuantity || li.Quantity > o.MaximumQuantity:
			writeError(w, http.StatusBadRequest, "800005", fmt.Sprintf("The quantity %d is outside the offer's range %d–%d.", li.Quantity, o.MinimumQuantity, o.MaximumQuantity))
			return
		}
	}
	now := e.now().UTC()
	e.mu.Lock()
	order := e.newOrderLocked(c.ID, cycle, "EUR", now)
	for i, li := range in.LineItems {
		o := e.offerByID(li.OfferID)
		sub := e.newSubscriptionLocked(c.ID, order.ID, strings.ToUpper(o.ID), o.Name, li.FriendlyName, li.Quantity, cycle, "", "Licenses", false, now)
		sub.visibleAt = order.readyAt
		order.LineItems = append(order.LineItems, OrderLineItem{LineItemNumber: i, OfferID: sub.OfferID, SubscriptionID: sub.ID,
			FriendlyName: sub.FriendlyName, Quantity: li.Quantity})
	}
	e.orders[order.ID] = order
	e.stats.OrdersPlaced++
	out := orderView(order, now, true)
	e.mu.Unlock()
	e.log.InfoContext(r.Context(), "partner center: legacy order placed", "customer", c.ID, "order", out.ID)
	writeJSON(w, http.StatusCreated, out)
}

func (e *Emulator) newSubscriptionLocked(customerID, orderID, offerID, offerName, friendly string, qty int, cycle, term, unit string, newCommerce bool, now time.Time) *Subscription {
	if friendly == "" {
		friendly = offerName
	}
	end := now.AddDate(0, 1, 0)
	if term == "P1Y" || cycle == "annual" {
		end = now.AddDate(1, 0, 0)
	} else if term == "P3Y" {
		end = now.AddDate(3, 0, 0)
	}
	s := &Subscription{
		ID: newGUID(), EntitlementID: newGUID(), OfferID: offerID, OfferName: offerName, FriendlyName: friendly, Quantity: qty,
		UnitType: unit, CreationDate: now, EffectiveStartDate: now, CommitmentEndDate: end, Status: "active",
		AutoRenewEnabled: true, BillingType: "license", BillingCycle: cycle, TermDuration: term, ContractType: "subscription",
		OrderID: orderID, Attributes: Attributes{Etag: newEtag(), ObjectType: "Subscription"},
		customerID: customerID, newCommerce: newCommerce,
	}
	if newCommerce {
		until := now.Add(7 * 24 * time.Hour)
		s.CancellationAllowedUntilDate = &until
	}
	if unit == "Usage-based" {
		s.BillingType, s.AutoRenewEnabled, s.CommitmentEndDate = "usage", false, time.Date(9999, 12, 14, 0, 0, 0, 0, time.UTC)
	}
	e.subs[s.ID] = s
	return s
}

func (e *Emulator) listOrders(w http.ResponseWriter, r *http.Request) {
	if c := e.customer(w, r); c != nil {
		orders := e.Orders(c.ID)
		sort.Slice(orders, func(i, j int) bool { return orders[i].CreationDate.Before(orders[j].CreationDate) })
		writeJSON(w, http.StatusOK, collection(orders))
	}
}

func (e *Emulator) createCart(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	var in Cart
	if !readBody(w, r, &in) {
		return
	}
	if len(in.LineItems) == 0 {
		writeError(w, http.StatusBadRequest, "800000", "The cart has no line items.")
		return
	}
	now := e.now().UTC()
	cart := &Cart{ID: newGUID(), CreationTimestamp: now, LastModifiedTimestamp: now, ExpirationTimestamp: now.Add(7 * 24 * time.Hour),
		LastModifiedUser: "partner-app", Status: "Active", Attributes: Attributes{ObjectType: "Cart"}}
	for i, li := range in.LineItems {
		li.ID = i
		li.OrderGroup = "0"
		li.BillingCycle = strings.ToLower(li.BillingCycle)
		entry := e.entryByCatalogItem(li.CatalogItemID)
		switch {
		case entry == nil:
			li.Error = &CartError{ErrorCode: "10001", ErrorDescription: fmt.Sprintf("The catalog item %s was not found.", li.CatalogItemID)}
		case !entry.availability.IsPurchasable:
			li.Error = &CartError{ErrorCode: "10010", ErrorDescription: fmt.Sprintf("The catalog item %s is not purchasable.", li.CatalogItemID)}
		case li.Quantity < entry.sku.MinimumQuantity || li.Quantity > entry.sku.MaximumQuantity:
			li.Error = &CartError{ErrorCode: "10003", ErrorDescription: fmt.Sprintf("The quantity %d is outside the range %d–%d.", li.Quantity, entry.sku.MinimumQuantity, entry.sku.MaximumQuantity)}
		case !entry.azurePlan && !termOK(entry, li.TermDuration, li.BillingCycle):
			li.Error = &CartError{ErrorCode: "10012", ErrorDescription: fmt.Sprintf("The term %q with billing cycle %q is not offered for %s.", li.TermDuration, li.BillingCycle, li.CatalogItemID)}
		default:
			li.CurrencyCode = entry.availability.DefaultCurrency.Code
		}
		cart.LineItems = append(cart.LineItems, li)
	}
	e.mu.Lock()
	e.carts[cart.ID] = cart
	out := *cart
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func termOK(c *catalogEntry, term, cycle string) bool {
	for _, t := range c.availability.Terms {
		if t.Duration == term && t.BillingCycle == cycle {
			return true
		}
	}
	return false
}

func (e *Emulator) cartOf(w http.ResponseWriter, r *http.Request) (*Customer, *Cart) {
	c := e.customer(w, r)
	if c == nil {
		return nil, nil
	}
	e.mu.Lock()
	cart := e.carts[r.PathValue("cart")]
	e.mu.Unlock()
	if cart == nil {
		writeError(w, http.StatusNotFound, "800010", "The cart was not found.")
		return nil, nil
	}
	return c, cart
}

func (e *Emulator) getCart(w http.ResponseWriter, r *http.Request) {
	if _, cart := e.cartOf(w, r); cart != nil {
		e.mu.Lock()
		out := *cart
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	}
}

// checkout orders a cart's lines: one order per order group, an
// orderError for each line that cannot be bought.
func (e *Emulator) checkout(w http.ResponseWriter, r *http.Request) {
	c, cart := e.cartOf(w, r)
	if cart == nil {
		return
	}
	now := e.now().UTC()
	type azureSub struct{ tenant, id, name string }
	var created []azureSub
	e.mu.Lock()
	if cart.Status != "Active" {
		e.mu.Unlock()
		writeError(w, http.StatusConflict, "800011", "The cart was already checked out.")
		return
	}
	if now.After(cart.ExpirationTimestamp) {
		e.mu.Unlock()
		writeError(w, http.StatusBadRequest, "800012", "The cart has expired.")
		return
	}
	res := CartCheckoutResult{Orders: []Order{}, OrderErrors: []OrderError{}, Attributes: Attributes{ObjectType: "CartCheckoutResult"}}
	var order *Order
	for _, li := range cart.LineItems {
		if li.Error != nil {
			res.OrderErrors = append(res.OrderErrors, OrderError{OrderGroupID: li.OrderGroup, Code: li.Error.ErrorCode, Description: li.Error.ErrorDescription})
			continue
		}
		entry := e.entryByCatalogItem(li.CatalogItemID)
		if order == nil {
			order = e.newOrderLocked(c.ID, li.BillingCycle, li.CurrencyCode, now)
		}
		offerID := entry.product.ID + ":" + entry.sku.ID
		if !entry.azurePlan {
			offerID = entry.availability.CatalogItemID + ":" + li.TermDuration + ":" + li.BillingCycle
		}
		sub := e.newSubscriptionLocked(c.ID, order.ID, offerID, entry.sku.Title, li.FriendlyName, li.Quantity, li.BillingCycle, li.TermDuration, entry.unitType, true, now)
		sub.ProductType = &ProductType{ID: entry.product.ProductType.ID, DisplayName: entry.product.ProductType.DisplayName}
		sub.visibleAt, sub.catalog = order.readyAt, entry
		e.chargeLocked(sub, "new", li.Quantity, now)
		if entry.azurePlan {
			sub.CancellationAllowedUntilDate = nil
			ent := AzureEntitlement{ID: newGUID(), FriendlyName: "Microsoft Azure", Status: "active", Attributes: Attributes{ObjectType: "AzureEntitlement"}}
			ent.SubscriptionID = ent.ID
			e.entitlements[sub.ID] = append(e.entitlements[sub.ID], ent)
			created = append(created, azureSub{c.ID, ent.SubscriptionID, ent.FriendlyName})
		}
		order.LineItems = append(order.LineItems, OrderLineItem{LineItemNumber: len(order.LineItems), OfferID: offerID, SubscriptionID: sub.ID,
			TermDuration: li.TermDuration, FriendlyName: sub.FriendlyName, Quantity: li.Quantity})
	}
	if order != nil {
		e.orders[order.ID] = order
		e.stats.OrdersPlaced++
		res.Orders = append(res.Orders, orderView(order, now, true))
	}
	cart.Status = "Ordered"
	e.mu.Unlock()
	for _, a := range created {
		if e.cfg.OnAzureSubscription != nil {
			e.cfg.OnAzureSubscription(a.tenant, a.id, a.name)
		}
	}
	if order != nil {
		e.log.InfoContext(r.Context(), "partner center: cart checked out", "customer", c.ID, "order", order.ID)
	}
	writeJSON(w, http.StatusCreated, res)
}

func (e *Emulator) listSubscriptions(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	now := e.now().UTC()
	e.mu.Lock()
	var items []Subscription
	for _, s := range e.subs {
		if s.customerID == c.ID && s.visible(now) {
			items = append(items, *s)
		}
	}
	e.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].CreationDate.Before(items[j].CreationDate) })
	writeJSON(w, http.StatusOK, collection(items))
}

func (e *Emulator) subscription(w http.ResponseWriter, r *http.Request) *Subscription {
	c := e.customer(w, r)
	if c == nil {
		return nil
	}
	now := e.now().UTC()
	e.mu.Lock()
	s := e.subs[strings.ToLower(r.PathValue("sub"))]
	e.mu.Unlock()
	if s == nil || s.customerID != c.ID || !s.visible(now) {
		writeError(w, http.StatusNotFound, "20003", fmt.Sprintf("Subscription %s was not found.", r.PathValue("sub")))
		return nil
	}
	return s
}

func (e *Emulator) getSubscription(w http.ResponseWriter, r *http.Request) {
	if s := e.subscription(w, r); s != nil {
		e.mu.Lock()
		out := *s
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	}
}

// patchSubscription changes quantity, status (suspended, active, deleted)
// or autoRenewEnabled, under If-Match.
func (e *Emulator) patchSubscription(w http.ResponseWriter, r *http.Request) {
	s := e.subscription(w, r)
	if s == nil {
		return
	}
	var in struct {
		Quantity         *int    `json:"quantity"`
		Status           *string `json:"status"`
		AutoRenewEnabled *bool   `json:"autoRenewEnabled"`
		FriendlyName     *string `json:"friendlyName"`
	}
	if !readBody(w, r, &in) {
		return
	}
	now := e.now().UTC()
	e.mu.Lock()
	defer e.mu.Unlock()
	if m := strings.Trim(r.Header.Get("If-Match"), `"`); m != "" && m != "*" && m != s.Attributes.Etag {
		e.fail(w, http.StatusPreconditionFailed, "412", "The subscription was changed since it was read (etag mismatch). Read it again and retry.")
		return
	}
	next := *s
	if in.Status != nil {
		next.Status = strings.ToLower(*in.Status)
	}
	if in.Quantity != nil {
		next.Quantity = *in.Quantity
	}
	if in.AutoRenewEnabled != nil {
		next.AutoRenewEnabled = *in.AutoRenewEnabled
	}
	if in.FriendlyName != nil {
		next.FriendlyName = *in.FriendlyName
	}
	inWindow := s.CancellationAllowedUntilDate != nil && now.Before(*s.CancellationAllowedUntilDate)
	switch {
	case s.Status == "deleted":
		e.fail(w, http.StatusConflict, "800092", "Cannot update a subscription with deleted status.")
		return
	case next.Status != s.Status && !(next.Status == "active" || next.Status == "suspended" || next.Status == "deleted"):
		e.fail(w, http.StatusBadRequest, "800093", fmt.Sprintf("The status %q is not a valid target status.", next.Status))
		return
	case s.Status == "suspended" && next.Status == "suspended" && (next.Quantity != s.Quantity || next.AutoRenewEnabled != s.AutoRenewEnabled):
		e.fail(w, http.StatusBadRequest, "800091", "Cannot update a subscription with suspended status.")
		return
	case next.Status == "deleted" && !s.newCommerce && s.Status != "suspended":
		e.fail(w, http.StatusBadRequest, "800094", "A legacy subscription must be suspended before it is deleted.")
		return
	case next.Status == "deleted" && s.newCommerce && s.BillingType != "usage" && !inWindow:
		e.fail(w, http.StatusBadRequest, "800095", "The subscription can no longer be cancelled: the cancellation window has passed.")
		return
	case next.Quantity < 1 || next.Quantity > 300:
		e.fail(w, http.StatusBadRequest, "800005", fmt.Sprintf("The quantity %d is outside the range 1–300.", next.Quantity))
		return
	case next.Quantity < s.Quantity && s.newCommerce && !inWindow:
		e.fail(w, http.StatusBadRequest, "800090", "Subscription quantity cannot be decreased.")
		return
	case next.Quantity != s.Quantity && s.BillingType == "usage":
		e.fail(w, http.StatusBadRequest, "800096", "The quantity of a usage-based subscription cannot change.")
		return
	}
	if next.Status == "deleted" {
		next.AutoRenewEnabled = false
		e.creditLocked(s, now)
	} else if next.Quantity > s.Quantity && s.newCommerce {
		e.chargeLocked(s, "addQuantity", next.Quantity-s.Quantity, now)
	}
	next.Attributes.Etag = newEtag()
	*s = next
	writeJSON(w, http.StatusOK, next)
}

// fail writes an error while e.mu is held.
func (e *Emulator) fail(w http.ResponseWriter, status int, code, desc string) {
	writeError(w, status, code, desc)
}

func (e *Emulator) azureEntitlements(w http.ResponseWriter, r *http.Request) {
	s := e.subscription(w, r)
	if s == nil {
		return
	}
	e.mu.Lock()
	items := append([]AzureEntitlement(nil), e.entitlements[s.ID]...)
	e.mu.Unlock()
	if s.BillingType != "usage" {
		writeError(w, http.StatusBadRequest, "800097", "The subscription is not an Azure plan.")
		return
	}
	writeJSON(w, http.StatusOK, collection(items))
}
