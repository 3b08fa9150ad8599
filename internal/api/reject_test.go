package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestRejectTakesAReason: rejecting an order that needs approval takes a
// reason (required, at most 500 characters): without one, or with one too
// long, the answer is a 422 problem naming it and nothing is written; the
// platform alone rejects; the reason is on the subscription for its
// customer and on the event.
func TestRejectTakesAReason(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		gatedProduct, err := storetest.Listing(e.st).CreateProduct(context.Background(), e.w.VendorA.Principal, catalog.Product{Name: "Gated", Type: catalog.TypeService, Published: true, RequiresApproval: true})
		if err != nil {
			t.Fatal(err)
		}
		gated := storetest.Plan(t, e.st, e.w.VendorA.Principal, gatedProduct.ID, "Gated", `{"currency":"EUR","model":"per_unit","unit_amount":"1"}`)
		id := reach(t, e, gated, subscription.RequiresApproval)
		path := fmt.Sprintf("/api/v1/subscriptions/%d", id)
		before := storetest.Counts(t, e.st)
		for _, body := range []any{nil, map[string]any{}, map[string]any{"reason": ""}, map[string]any{"reason": "   "}, map[string]any{"reason": strings.Repeat("x", 501)}} {
			want := http.StatusUnprocessableEntity
			if body == nil {
				want = http.StatusBadRequest // no body at all
			}
			r := e.call("POST", path+"/reject", e.w.Platform.Token, body).must(t, want)
			r.isProblem(t)
			if body != nil && !strings.Contains(string(r.raw), "reason") {
				t.Errorf("%v: the problem does not name the reason: %s", body, r.raw)
			}
		}
		e.call("POST", path+"/reject", e.w.VendorA.Token, map[string]any{"reason": "no"}).must(t, http.StatusForbidden).isProblem(t)
		if after := storetest.Counts(t, e.st); fmt.Sprint(before) != fmt.Sprint(after) {
			t.Fatalf("a refused rejection wrote: %v -> %v", before, after)
		}
		reason := "Not available to public administrations."
		r := e.call("POST", path+"/reject", e.w.Platform.Token, map[string]any{"reason": reason}).must(t, http.StatusOK)
		if r.str("deployment_status") != "UNDEPLOYED" || r.str("rejection_reason") != reason {
			t.Fatalf("rejected: %s", r.raw)
		}
		if r := e.call("GET", path, e.w.C1.Token, nil).must(t, http.StatusOK); r.str("rejection_reason") != reason {
			t.Fatalf("the customer reads: %s", r.raw)
		}
		evs := e.call("GET", "/api/v1/events?entity=Subscription&limit=200", e.w.Platform.Token, nil).must(t, http.StatusOK)
		if !strings.Contains(string(evs.raw), `"rejection_reason":"`+reason+`"`) {
			t.Fatalf("no event carries the reason: %s", evs.raw)
		}
	})
}
