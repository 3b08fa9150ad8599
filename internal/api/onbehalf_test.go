package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestChannelOnboardsAndBuysOnBehalf: a reseller creates a customer under
// itself (a distributor a reseller) and orders for it; the order and its
// subscription are the customer's, at the customer's price, and the audit
// log names the reseller's user. Another channel can neither create under
// it nor order for its customer, a channel sets no fee or buying on
// account, and a refusal writes nothing.
func TestChannelOnboardsAndBuysOnBehalf(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		org := e.call("POST", "/api/v1/organizations", w.R1.Token, map[string]any{"kind": "customer", "name": "Onboarded Ltd", "country": "IT", "currency": "EUR"}).must(t, http.StatusCreated)
		if org.body["parent_id"] != float64(w.R1.Org.ID) || org.body["on_account"] != false || org.body["fee_percent"] != "" {
			t.Fatalf("the reseller's customer: %s", org.raw)
		}
		customer := org.id()
		reseller := e.call("POST", "/api/v1/organizations", w.D1.Token, map[string]any{"kind": "reseller", "name": "New Reseller"}).must(t, http.StatusCreated)
		if reseller.body["parent_id"] != float64(w.D1.Org.ID) {
			t.Fatalf("the distributor's reseller: %s", reseller.raw)
		}
		refusals := []struct {
			name, token string
			path        string
			body        map[string]any
			status      int
		}{
			{"a customer under another reseller", w.R1.Token, "/api/v1/organizations", map[string]any{"kind": "customer", "name": "x", "parent_id": w.R2.Org.ID}, http.StatusUnprocessableEntity},
			{"a reseller under another distributor", w.D2.Token, "/api/v1/organizations", map[string]any{"kind": "reseller", "name": "x", "parent_id": w.D1.Org.ID}, http.StatusUnprocessableEntity},
			{"a customer on account", w.R1.Token, "/api/v1/organizations", map[string]any{"kind": "customer", "name": "x", "on_account": true}, http.StatusForbidden},
			{"a reseller without the operator's fee", w.D1.Token, "/api/v1/organizations", map[string]any{"kind": "reseller", "name": "x", "fee_percent": "0"}, http.StatusForbidden},
			{"an order for another reseller's customer", w.R2.Token, "/api/v1/orders", map[string]any{"customer_id": customer, "plan_id": w.PlanA.ID, "quantity": 1}, http.StatusUnprocessableEntity},
			{"an order of another channel's distributor", w.D2.Token, "/api/v1/orders", map[string]any{"customer_id": customer, "plan_id": w.PlanA.ID, "quantity": 1}, http.StatusUnprocessableEntity},
			{"an order by another customer", w.C1.Token, "/api/v1/orders", map[string]any{"customer_id": customer, "plan_id": w.PlanA.ID, "quantity": 1}, http.StatusUnprocessableEntity},
		}
		for _, c := range refusals {
			t.Run(c.name, func(t *testing.T) {
				storetest.Unchanged(t, e.st, func() {
					r := e.call("POST", c.path, c.token, c.body).must(t, c.status)
					r.isProblem(t)
				})
			})
		}

		// The reseller marks the plan up; its customer pays the marked-up price.
		e.call("PUT", fmt.Sprintf("/api/v1/organizations/%d/prices/%d", w.R1.Org.ID, w.PlanA.ID), w.R1.Token, map[string]any{"kind": "percentage", "value": "50"}).must(t, http.StatusOK)
		q := e.call("POST", "/api/v1/quotes", w.R1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 2, "customer_id": customer}).must(t, http.StatusOK)
		o := e.call("POST", "/api/v1/orders", w.R1.Token, map[string]any{"customer_id": customer, "plan_id": w.PlanA.ID, "quantity": 2}).must(t, http.StatusCreated)
		if o.body["customer_id"] != float64(customer) || fmt.Sprint(o.body["total"]) != fmt.Sprint(q.body["total"]) {
			t.Fatalf("order %s, quote %s", o.raw, q.raw)
		}
		sub := e.call("GET", fmt.Sprintf("/api/v1/subscriptions/%v", o.body["subscription_id"]), w.R1.Token, nil).must(t, http.StatusOK)
		if sub.body["customer_id"] != float64(customer) || sub.body["reseller_id"] != float64(w.R1.Org.ID) {
			t.Fatalf("subscription %s", sub.raw)
		}
		log := e.call("GET", fmt.Sprintf("/api/v1/audit-log?entity=order&entity_id=%d", o.id()), w.Platform.Token, nil).must(t, http.StatusOK)
		items := log.body["items"].([]any)
		if len(items) != 1 {
			t.Fatalf("audit of the order: %s", log.raw)
		}
		entry := items[0].(map[string]any)
		if entry["action"] != "order.place" || entry["actor_user_id"] != float64(w.R1.User.ID) || entry["details"].(map[string]any)["customer_id"] != float64(customer) {
			t.Fatalf("audit entry %v", entry)
		}
	})
}
