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
		notFound := []int{http.StatusNotFound}
		sub := fmt.Sprintf("/api/v1/subscriptions/%d", v.sub)
		return map[string]probe{
			"set-subscription-endpoints":    {method: "POST", path: sub + "/endpoints", body: map[string]any{"endpoints": []any{map[string]any{"endpoint": "https://evil.test", "category": "APP"}}}, wantStatus: notFound},
			"get-subscription-endpoints":    {method: "GET", path: sub + "/endpoints", wantStatus: notFound},
			"set-subscription-instructions": {method: "PUT", path: sub + "/instructions", body: map[string]any{"instructions": map[string]any{"en": "pwned"}}, wantStatus: notFound},
			"get-subscription-instructions": {method: "GET", path: sub + "/instructions", wantStatus: notFound},
			"add-subscription-credentials":  {method: "POST", path: sub + "/credentials", body: map[string]any{"credentials": []any{map[string]any{"key": "k", "value": "v"}}}, wantStatus: notFound},
			"get-subscription-credentials":  {method: "GET", path: sub + "/credentials", wantStatus: notFound},
		}
	})
}

// TestProvisioningAPI: the vendor reports endpoints, instructions and
// credentials; the customer reads them, credentials included; the vendor
// never reads a credential value back.
func TestProvisioningAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		ctx := context.Background()
		o, err := app.Ordering(e.st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 2})
		if err != nil {
			t.Fatal(err)
		}
		sub := fmt.Sprintf("/api/v1/subscriptions/%d", o.SubscriptionID)
		vendor, customer := w.VendorA.Token, w.C1.Token

		// Refusals: no APP, http, the customer writing.
		e.call("POST", sub+"/endpoints", vendor, map[string]any{"endpoints": []any{map[string]any{"endpoint": "https://docs.example.org", "category": "DOCUMENTATION"}}}).must(t, http.StatusUnprocessableEntity).isProblem(t)
		e.call("POST", sub+"/endpoints", vendor, map[string]any{"endpoints": []any{map[string]any{"endpoint": "http://app.example.org", "category": "APP"}}}).must(t, http.StatusUnprocessableEntity).isProblem(t)
		e.call("POST", sub+"/endpoints", customer, map[string]any{"endpoints": []any{map[string]any{"endpoint": "https://app.example.org", "category": "APP"}}}).must(t, http.StatusForbidden).isProblem(t)
		e.call("PUT", sub+"/instructions", vendor, map[string]any{"instructions": map[string]any{"english": "x"}}).must(t, http.StatusUnprocessableEntity).isProblem(t)

		r := e.call("POST", sub+"/endpoints", vendor, map[string]any{"endpoints": []any{
			map[string]any{"endpoint": "https://app.example.org/login", "description": "Login", "category": "APP"},
			map[string]any{"endpoint": "https://docs.example.org/", "category": "DOCUMENTATION"},
		}}).must(t, http.StatusOK)
		if !strings.Contains(string(r.raw), `"category":"DOCUMENTATION"`) {
			t.Fatalf("endpoints answer: %s", r.raw)
		}
		e.call("PUT", sub+"/instructions", vendor, map[string]any{"instructions": map[string]any{"en": "Welcome", "it": "Benvenuto"}}).must(t, http.StatusOK)
		r = e.call("POST", sub+"/credentials", vendor, map[string]any{"credentials": []any{
			map[string]any{"key": "username", "value": "user@ma.il", "description": map[string]any{"en": "Login"}, "weight": 1},
			map[string]any{"key": "password", "value": "jei9je9y", "weight": 2},
		}}).must(t, http.StatusOK)
		if strings.Contains(string(r.raw), "jei9je9y") || strings.Contains(string(r.raw), `"value"`) {
			t.Fatalf("the vendor got a value back: %s", r.raw)
		}

		for _, tok := range []string{customer, w.R1.Token, vendor, w.Platform.Token} {
			r := e.call("GET", sub+"/endpoints", tok, nil).must(t, http.StatusOK)
			if !strings.Contains(string(r.raw), "https://app.example.org/login") {
				t.Fatalf("endpoints: %s", r.raw)
			}
			r = e.call("GET", sub+"/instructions", tok, nil).must(t, http.StatusOK)
			if !strings.Contains(string(r.raw), "Benvenuto") {
				t.Fatalf("instructions: %s", r.raw)
			}
		}
		for _, tok := range []string{customer, w.Platform.Token} {
			r := e.call("GET", sub+"/credentials", tok, nil).must(t, http.StatusOK)
			if !strings.Contains(string(r.raw), `"value":"jei9je9y"`) || strings.Index(string(r.raw), "username") > strings.Index(string(r.raw), "password") {
				t.Fatalf("credentials: %s", r.raw)
			}
		}
		for _, tok := range []string{vendor, w.R1.Token, w.D1.Token} {
			e.call("GET", sub+"/credentials", tok, nil).must(t, http.StatusForbidden).isProblem(t)
		}
		// Each write was one MODIFIED event.
		evs, _, err := e.st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: o.SubscriptionID}, store.Page{})
		if err != nil || len(evs) != 4 {
			t.Fatalf("events %+v %v", evs, err)
		}
		if _, err := app.Lifecycle(e.st).SetStatus(ctx, w.VendorA.Principal, o.SubscriptionID, subscription.Deployed); err != nil {
			t.Fatal(err)
		}
	})
}
