package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

// A subscription's page offers each organization only the forms the
// lifecycle lets it use: the customer changes the quantity and the
// renewal setting, the product's vendor does neither (its post would be
// refused).
func TestSubscriptionPageOffersOnlyWhatTheCallerMay(t *testing.T) {
	h := newHarness(t)
	sub := h.adatumSubscription()
	path := "/subscriptions/" + itoa(sub.ID)
	forms := []string{`action="` + path + `/seats"`, `action="` + path + `/autorenew"`, `id="cancel"`}
	cust := h.signIn(customer).get(path)
	if cust.StatusCode != http.StatusOK {
		t.Fatalf("customer: %d", cust.StatusCode)
	}
	for _, f := range forms {
		if !strings.Contains(cust.Body, f) {
			t.Errorf("the customer's page has no %s", f)
		}
	}
	ven := h.signIn(vendor).get(path)
	if ven.StatusCode != http.StatusOK {
		t.Fatalf("vendor: %d", ven.StatusCode)
	}
	for _, f := range forms {
		if strings.Contains(ven.Body, f) {
			t.Errorf("the vendor's page offers %s", f)
		}
	}
}

// The vendor's pages name its customers, never "organization 5".
func TestVendorPagesNameCustomers(t *testing.T) {
	h := newHarness(t)
	sub := h.adatumSubscription()
	ven := h.signIn(vendor)
	for _, path := range []string{"/subscriptions", "/subscriptions/" + itoa(sub.ID)} {
		body := ven.get(path).Body
		if !strings.Contains(body, "Adatum Corporation") || strings.Contains(body, "organization "+itoa(sub.CustomerID)) {
			t.Errorf("%s does not name the customer", path)
		}
	}
}

// The vendor of a hand-fulfilled (service) product marks a PENDING
// subscription delivered from its page; the button is there only then,
// and only for it.
func TestVendorMarksServiceDelivered(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	prods, _, err := h.st.ListProducts(ctx, h.admin, catalog.ProductFilter{Type: catalog.TypeService}, store.Page{Limit: 10})
	if err != nil || len(prods) == 0 {
		t.Fatalf("the demo's service product: %v", err)
	}
	prod := prods[0]
	plan := h.planOf(prod.ID)
	if res := h.signIn(customer).post("/products/"+itoa(prod.ID)+"/order", url.Values{"plan_id": {itoa(plan)}, "quantity": {"1"},
		"nonce": {"deliver1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("order: %d", res.StatusCode)
	}
	subs, _, err := h.st.ListSubscriptions(ctx, h.admin, store.SubscriptionFilter{ProductID: prod.ID}, store.Page{Limit: 10})
	if err != nil || len(subs) != 1 {
		t.Fatalf("the order's subscription: %v (%d)", err, len(subs))
	}
	sub := subs[0]
	if sub.Status != subscription.Pending {
		t.Fatalf("the order is %s, not PENDING", sub.Status)
	}
	path := "/subscriptions/" + itoa(sub.ID)
	if body := h.signIn(customer).get(path).Body; strings.Contains(body, `id="deliver"`) {
		t.Errorf("the customer is offered to mark it delivered")
	}
	ven := h.signIn(vendor)
	if body := ven.get(path).Body; !strings.Contains(body, `id="deliver"`) {
		t.Fatalf("the vendor is not offered to mark it delivered")
	}
	// The customer's post is refused and changes nothing.
	h.signIn(customer).post(path+"/deliver", nil)
	if got, _ := h.st.Subscription(ctx, h.admin, sub.ID); got.Status != subscription.Pending {
		t.Fatalf("after the customer's post: %s", got.Status)
	}
	if res := ven.post(path+"/deliver", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("deliver: %d", res.StatusCode)
	}
	if got, err := h.st.Subscription(ctx, h.admin, sub.ID); err != nil || got.Status != subscription.Deployed {
		t.Fatalf("after delivery: %s (%v), want DEPLOYED", got.Status, err)
	}
	if body := ven.get(path).Body; strings.Contains(body, `id="deliver"`) {
		t.Errorf("a delivered subscription still offers to mark it delivered")
	}
}

// planOf is the first plan of a product.
func (h *harness) planOf(productID int64) int64 {
	h.t.Helper()
	plans, _, err := h.st.ListPlans(context.Background(), h.admin, productID, nil, store.Page{Limit: 1})
	if err != nil || len(plans) == 0 {
		h.t.Fatalf("plans of product %d: %v", productID, err)
	}
	return plans[0].ID
}
