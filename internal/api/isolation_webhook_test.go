package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// The victim's webhook endpoint, with a delivery attempt and the
// notification its disabling sent.
func init() {
	victimSetups = append(victimSetups, func(t *testing.T, e *env, v *victim) {
		ctx := context.Background()
		ep, err := webhooks.New(e.st, store.TxFunc[webhooks.Tx](e.st)).CreateEndpoint(ctx, e.w.VendorA.Principal, syndication.Endpoint{URL: "https://192.0.32.10/hooks", Secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := app.Ordering(e.st).PlaceOrder(ctx, e.w.C1.Principal, subscription.OrderRequest{PlanID: e.w.PlanA.ID, Quantity: 1}); err != nil {
			t.Fatal(err)
		}
		due, err := e.st.ClaimDeliveries(ctx, 10, time.Minute)
		if err != nil || len(due) == 0 {
			t.Fatalf("claim: %v", err)
		}
		var results []store.Result
		for _, d := range due {
			results = append(results, store.Result{Attempt: syndication.Attempt{DeliveryID: d.ID, EndpointID: d.Endpoint.ID, EventID: d.Event.ID, AttemptedAt: time.Now(), StatusCode: 410},
				NextAttempt: time.Now(), Disable: "it answered 410 Gone"})
		}
		if err := e.st.RecordResults(ctx, results); err != nil {
			t.Fatal(err)
		}
		notes, _ := e.st.ListNotifications(ctx, e.w.VendorA.Principal)
		attempts, _, _ := e.st.ListAttempts(ctx, e.w.VendorA.Principal, store.AttemptFilter{}, store.Page{})
		if len(notes) == 0 || len(attempts) == 0 {
			t.Fatalf("victim setup: %d notifications, %d attempts", len(notes), len(attempts))
		}
		v.ids["endpoint"] = ep.ID
		v.ids["vendor"] = e.w.VendorA.Org.ID
		v.ids["event"] = due[0].Event.ID
		v.lists["endpoints"] = []int64{ep.ID}
		v.lists["notifications"] = []int64{notes[0].ID}
	})
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		ep := fmt.Sprintf("/api/v1/webhook-endpoints/%d", v.ids["endpoint"])
		notFound := []int{http.StatusNotFound}
		refused := []int{http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity}
		body := map[string]any{"url": "https://192.0.32.20/steal"}
		return map[string]probe{
			"create-product-webhook-endpoint": {method: "POST", path: fmt.Sprintf("/api/v1/products/%d/webhook-endpoints", v.draft), body: body, wantStatus: notFound},
			"create-webhook-endpoint":         {method: "POST", path: "/api/v1/webhook-endpoints", body: map[string]any{"url": "https://192.0.32.20/steal", "owner_id": v.ids["vendor"]}, wantStatus: refused},
			"list-webhook-endpoints":          {method: "GET", path: "/api/v1/webhook-endpoints", list: func(v victim) []int64 { return v.lists["endpoints"] }, listKey: "id"},
			"get-webhook-endpoint":            {method: "GET", path: ep, wantStatus: notFound},
			"update-webhook-endpoint":         {method: "PATCH", path: ep, body: map[string]any{"enabled": true}, wantStatus: notFound},
			"delete-webhook-endpoint":         {method: "DELETE", path: ep, wantStatus: notFound},
			"rotate-webhook-secret":           {method: "POST", path: ep + "/rotate-secret", wantStatus: notFound},
			"test-webhook-endpoint":           {method: "POST", path: ep + "/test", wantStatus: notFound},
			"replay-webhook-events":           {method: "POST", path: ep + "/replay", body: map[string]any{"event_id": v.ids["event"]}, wantStatus: notFound},
			"list-webhook-attempts":           {method: "GET", path: ep + "/attempts", wantStatus: notFound},
			"list-notifications":              {method: "GET", path: "/api/v1/notifications", list: func(v victim) []int64 { return v.lists["notifications"] }, listKey: "id"},
		}
	})
}
