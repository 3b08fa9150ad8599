package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

func init() {
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		sub := fmt.Sprintf("/api/v1/subscriptions/%d", v.sub)
		return map[string]probe{
			"get-subscription-metadata": {method: "GET", path: sub + "/metadata", wantStatus: []int{http.StatusNotFound}},
			"set-subscription-metadata": {method: "PUT", path: sub + "/metadata", body: map[string]any{"metadata": map[string]any{"partner_center.customer_id": "pwned"}}, wantStatus: []int{http.StatusNotFound}},
		}
	})
}

// TestSubscriptionMetadataAPI: the provider keeps integration metadata on a
// subscription; everyone who sees it reads it; only the provider and the
// platform write; writes record no event.
func TestSubscriptionMetadataAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		ctx := context.Background()
		o, err := app.Ordering(e.st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
		if err != nil {
			t.Fatal(err)
		}
		path := fmt.Sprintf("/api/v1/subscriptions/%d/metadata", o.SubscriptionID)
		before, _, err := e.st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: o.SubscriptionID}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name   string
			token  string
			body   map[string]any
			status int
		}{
			{"customer may not write", w.C1.Token, map[string]any{"a": "b"}, http.StatusForbidden},
			{"reseller may not write", w.R1.Token, map[string]any{"a": "b"}, http.StatusForbidden},
			{"bad key", w.VendorA.Token, map[string]any{"bad key!": "b"}, http.StatusUnprocessableEntity},
			{"vendor writes", w.VendorA.Token, map[string]any{"partner_center.customer_id": "c-1", "partner_center.subscription_id": "s-1"}, http.StatusOK},
			{"platform replaces", w.Platform.Token, map[string]any{"partner_center.customer_id": "c-2"}, http.StatusOK},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := e.call("PUT", path, tc.token, map[string]any{"metadata": tc.body}).must(t, tc.status)
				if tc.status != http.StatusOK {
					r.isProblem(t)
				}
			})
		}
		for _, tok := range []string{w.C1.Token, w.VendorA.Token, w.Platform.Token} {
			r := e.call("GET", path, tok, nil).must(t, http.StatusOK)
			if !strings.Contains(string(r.raw), `"partner_center.customer_id":"c-2"`) || strings.Contains(string(r.raw), "s-1") {
				t.Fatalf("metadata: %s", r.raw)
			}
		}
		after, _, err := e.st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: o.SubscriptionID}, store.Page{})
		if err != nil || len(after) != len(before) {
			t.Fatalf("metadata writes recorded events: %d → %d (%v)", len(before), len(after), err)
		}
	})
}
