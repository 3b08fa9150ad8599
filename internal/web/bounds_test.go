package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/store"
)

// TestPanelRefusesTheQuantitiesTheAPIRefuses: the quantity bound is the
// domain's (subscription.MaxQuantity, checked by the ordering service), not
// only the API's schema, so an order or a seat change the API refuses is
// refused in the control panel too, and writes nothing.
func TestPanelRefusesTheQuantitiesTheAPIRefuses(t *testing.T) {
	const tooMany = "9000000000000000000"
	h := newHarness(t)
	ctx := context.Background()
	sub := h.adatumSubscription()

	// The API refuses it, for an order and for a seat change.
	apiSrv := httptest.NewServer(app.NewAPI(h.st, slog.New(slog.DiscardHandler)))
	t.Cleanup(apiSrv.Close)
	call := func(method, path, body string) int {
		t.Helper()
		req, _ := http.NewRequest(method, apiSrv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+demo.PlatformToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := apiSrv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := call(http.MethodPost, "/api/v1/orders", fmt.Sprintf(`{"customer_id":%d,"plan_id":2,"quantity":%s,"configuration":{"company_subdomain":"adatum-big"}}`, sub.CustomerID, tooMany)); code != http.StatusUnprocessableEntity {
		t.Fatalf("API order of %s seats: %d, want 422", tooMany, code)
	}
	if code := call(http.MethodPatch, "/api/v1/subscriptions/"+itoa(sub.ID), `{"quantity":`+tooMany+`}`); code != http.StatusUnprocessableEntity {
		t.Fatalf("API change to %s seats: %d, want 422", tooMany, code)
	}

	before, _, _ := h.st.ListOrders(ctx, h.admin, store.OrderFilter{}, store.Page{Limit: 200})
	c := h.signIn(customer)
	res := c.post("/products/1/order", url.Values{"plan_id": {"2"}, "quantity": {tooMany}, "nonce": {"big"}, "cfg.company_subdomain": {"adatum-big"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "must be at most 1000000000") {
		t.Fatalf("panel order of %s seats: %d", tooMany, res.StatusCode)
	}
	res = c.post("/subscriptions/"+itoa(sub.ID)+"/seats", url.Values{"quantity": {tooMany}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("panel seat change: %d", res.StatusCode)
	}
	if page := c.get(res.Header.Get("Location")); !strings.Contains(page.Body, "must be at most 1000000000") {
		t.Fatalf("panel seat change to %s: no refusal shown", tooMany)
	}
	after, _, _ := h.st.ListOrders(ctx, h.admin, store.OrderFilter{}, store.Page{Limit: 200})
	if len(after) != len(before) {
		t.Fatalf("orders: %d then %d, want none placed", len(before), len(after))
	}
	if got, err := h.st.Subscription(ctx, h.admin, sub.ID); err != nil || got.Quantity != sub.Quantity {
		t.Fatalf("subscription after the refused change: %d seats (%v), want %d", got.Quantity, err, sub.Quantity)
	}
}
