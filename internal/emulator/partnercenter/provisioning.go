package partnercenter

import (
	"net/http"
	"strings"
	"time"
)

// newOrderLocked starts an order for customerID: pending until the
// configured provisioning delay has passed.
func (e *Emulator) newOrderLocked(customerID, cycle, currency string, now time.Time) *Order {
	id := newGUID()
	return &Order{ID: id, AlternateID: strings.ReplaceAll(id, "-", "")[:12], ReferenceCustomerID: customerID, BillingCycle: cycle,
		CurrencyCode: currency, CurrencySymbol: currencySymbol(currency), CreationDate: now, TransactionType: "UserPurchase",
		Attributes: Attributes{ObjectType: "Order"}, readyAt: now.Add(e.cfg.ProvisioningDelay)}
}

func currencySymbol(code string) string {
	switch strings.ToUpper(code) {
	case "EUR":
		return "€"
	case "USD":
		return "$"
	case "GBP":
		return "£"
	}
	return code
}

// orderView is o as Partner Center shows it at now (pending until
// provisioned, without subscription ids) or, when placing, always pending.
func orderView(o *Order, now time.Time, placing bool) Order {
	out := *o
	out.LineItems = append([]OrderLineItem(nil), o.LineItems...)
	out.Status = "completed"
	if placing || now.Before(o.readyAt) {
		out.Status = "pending"
		for i := range out.LineItems {
			out.LineItems[i].SubscriptionID = ""
		}
	}
	self := "/customers/" + o.ReferenceCustomerID + "/orders/" + o.ID
	out.Links = &OrderLinks{
		ProvisioningStatus: &Link{URI: self + "/provisioningstatus", Method: http.MethodGet, Headers: []LinkHeader{}},
		Self:               &Link{URI: self, Method: http.MethodGet, Headers: []LinkHeader{}},
	}
	return out
}

// orderOf returns the path's order of the path's customer, or answers 404.
func (e *Emulator) orderOf(w http.ResponseWriter, r *http.Request) *Order {
	c := e.customer(w, r)
	if c == nil {
		return nil
	}
	e.mu.Lock()
	o := e.orders[strings.ToLower(r.PathValue("oid"))]
	e.mu.Unlock()
	if o == nil || o.ReferenceCustomerID != c.ID {
		writeError(w, http.StatusNotFound, "800001", "The order was not found.")
		return nil
	}
	return o
}

func (e *Emulator) getOrder(w http.ResponseWriter, r *http.Request) {
	if o := e.orderOf(w, r); o != nil {
		now := e.now().UTC()
		e.mu.Lock()
		out := orderView(o, now, false)
		e.mu.Unlock()
		writeJSON(w, http.StatusOK, out)
	}
}

// provisioningStatus answers GET …/orders/{id}/provisioningstatus: one
// entry per line, "pending" then "fulfilled".
func (e *Emulator) provisioningStatus(w http.ResponseWriter, r *http.Request) {
	o := e.orderOf(w, r)
	if o == nil {
		return
	}
	now := e.now().UTC()
	e.mu.Lock()
	var items []OrderLineItemProvisioningStatus
	for _, li := range o.LineItems {
		st := "fulfilled"
		if now.Before(o.readyAt) {
			st = "pending"
		}
		items = append(items, OrderLineItemProvisioningStatus{LineItemNumber: li.LineItemNumber, Status: st,
			QuantityProvisioningInformation: []QuantityProvisioningStatus{{Quantity: li.Quantity, Status: st}},
			Attributes:                      Attributes{ObjectType: "OrderLineItemProvisioningStatus"}})
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, collection(items))
}

// visible reports whether s's order was provisioned at now.
func (s *Subscription) visible(now time.Time) bool { return !now.Before(s.visibleAt) }
