package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestScheduledDowngrade: fewer seats answer with the downgrade scheduled
// for the end of the period charged, the subscription keeping its seats;
// GET shows it; DELETE .../scheduled-change cancels it (404 once none is
// left); an upgrade holds at once.
func TestScheduledDowngrade(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		o := e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 5}).must(t, http.StatusCreated)
		path := fmt.Sprintf("/api/v1/subscriptions/%d", int64(o.body["subscription_id"].(float64)))
		e.call("PATCH", path, w.VendorA.Token, map[string]any{"deployment_status": "DEPLOYED"}).must(t, http.StatusOK)

		scheduled := func(r response) string {
			sc, ok := r.body["scheduled_change"].(map[string]any)
			if !ok {
				return fmt.Sprintf("%v seats, none", r.body["quantity"])
			}
			return fmt.Sprintf("%v seats, %v from %v", r.body["quantity"], sc["quantity"], sc["effective_at"])
		}
		r := e.call("PATCH", path, w.C1.Token, map[string]any{"quantity": 2}).must(t, http.StatusOK)
		// A monthly term: the period charged ends with it.
		if got, want := scheduled(r), fmt.Sprintf("5 seats, 2 from %v", r.body["end_date"]); got != want {
			t.Fatalf("PATCH answered %q, want %q", got, want)
		}
		if got, again := scheduled(r), scheduled(e.call("GET", path, w.C1.Token, nil).must(t, http.StatusOK)); got != again {
			t.Fatalf("GET shows %q, PATCH answered %q", again, got)
		}
		r = e.call("DELETE", path+"/scheduled-change", w.C1.Token, nil).must(t, http.StatusOK)
		if got := scheduled(r); got != "5 seats, none" {
			t.Fatalf("DELETE answered %s", got)
		}
		e.call("DELETE", path+"/scheduled-change", w.C1.Token, nil).must(t, http.StatusNotFound).isProblem(t)
		if got := scheduled(e.call("PATCH", path, w.C1.Token, map[string]any{"quantity": 7}).must(t, http.StatusOK)); got != "7 seats, none" {
			t.Fatalf("an upgrade answered %s", got)
		}
	})
}

// TestCommitmentAPI: after the cancellation window of an annual
// commitment, fewer seats is 422 naming quantity and a cheaper plan 422
// naming plan_id, both scheduled for the renewal with at_renewal (at the
// term's end, nothing charged), POST …/terminate and the
// Cloudesire API's DELETE schedule the termination for the term's end
// (shown as terminate_at; the Cloudesire API answers 202), and DELETE
// …/scheduled-termination cancels it.
func TestCommitmentAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		start := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
		now := start
		e.st.Now = func() time.Time { return now }
		plan := storetest.Plan(t, e.st, w.VendorA.Principal, w.ProductA.ID, "Annual", `{"currency":"EUR","period":"P1M","commitment":"P1Y","cancellation_window_days":7,"model":"per_unit","unit":"seat","unit_amount":"10.00"}`)
		o := e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": plan.ID, "quantity": 5}).must(t, http.StatusCreated)
		id := int64(o.body["subscription_id"].(float64))
		path := fmt.Sprintf("/api/v1/subscriptions/%d", id)
		e.call("PATCH", path, w.VendorA.Token, map[string]any{"deployment_status": "DEPLOYED"}).must(t, http.StatusOK)
		now = start.AddDate(0, 0, 8)
		r := e.call("PATCH", path, w.C1.Token, map[string]any{"quantity": 2}).must(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.raw), `quantity`) || !strings.Contains(string(r.raw), "committed to 5") {
			t.Fatalf("seats down: %s", r.raw)
		}
		// Scheduled for the renewal, fewer seats and a cheaper plan wait for
		// the term's end (2027-02-10), not the month's, and cost nothing now.
		lite := storetest.Plan(t, e.st, w.VendorA.Principal, w.ProductA.ID, "Annual lite", `{"currency":"EUR","period":"P1M","commitment":"P1Y","cancellation_window_days":7,"model":"per_unit","unit":"seat","unit_amount":"8.00"}`)
		r = e.call("PATCH", path, w.C1.Token, map[string]any{"plan_id": lite.ID}).must(t, http.StatusUnprocessableEntity)
		if !strings.Contains(string(r.raw), `plan_id`) || !strings.Contains(string(r.raw), "at_renewal") {
			t.Fatalf("cheaper plan: %s", r.raw)
		}
		e.call("PATCH", path, w.C1.Token, map[string]any{"at_renewal": true}).must(t, http.StatusUnprocessableEntity).isProblem(t)
		for _, change := range []map[string]any{{"quantity": 2}, {"plan_id": lite.ID}, {"quantity": 3, "plan_id": lite.ID}} {
			change["at_renewal"] = true
			r = e.call("PATCH", path, w.C1.Token, change).must(t, http.StatusOK)
			sc, _ := r.body["scheduled_change"].(map[string]any)
			if r.body["quantity"] != float64(5) || sc == nil || sc["effective_at"] != "2027-02-10T09:00:00Z" {
				t.Fatalf("%v: %s", change, r.raw)
			}
		}
		orders := e.call("GET", fmt.Sprintf("/api/v1/orders?subscription_id=%d", id), w.C1.Token, nil).must(t, http.StatusOK)
		items, _ := orders.body["items"].([]any)
		if len(items) != 4 {
			t.Fatalf("orders: %s", orders.raw)
		}
		for _, it := range items[1:] {
			if o := it.(map[string]any); o["type"] != "CHANGE" || o["total"] != "0.00" {
				t.Fatalf("a change scheduled for renewal: %v", o)
			}
		}
		e.call("DELETE", path+"/scheduled-change", w.C1.Token, nil).must(t, http.StatusOK)
		e.call("DELETE", fmt.Sprintf("/api/subscription/%d", id), w.C1.Token, nil).must(t, http.StatusAccepted)
		r = e.call("GET", path, w.C1.Token, nil).must(t, http.StatusOK)
		if r.str("deployment_status") != "DEPLOYED" || r.str("terminate_at") != r.str("end_date") || r.str("end_date") != "2027-02-10T09:00:00Z" {
			t.Fatalf("scheduled: %s", r.raw)
		}
		e.call("POST", path+"/terminate", w.C1.Token, nil).must(t, http.StatusConflict).isProblem(t)
		r = e.call("DELETE", path+"/scheduled-termination", w.C1.Token, nil).must(t, http.StatusOK)
		if _, ok := r.body["terminate_at"]; ok {
			t.Fatalf("cancelled: %s", r.raw)
		}
		e.call("DELETE", path+"/scheduled-termination", w.C1.Token, nil).must(t, http.StatusNotFound).isProblem(t)
		if r := e.call("POST", path+"/terminate", w.C1.Token, nil).must(t, http.StatusOK); r.str("terminate_at") != "2027-02-10T09:00:00Z" {
			t.Fatalf("terminate: %s", r.raw)
		}
	})
}

// TestNextPrice: a plan's price raised after a subscription was sold shows
// on the subscription as next_price (the old and the new period price and
// the renewal's date), and in its renewal offer; a new order pays the new
// price at once.
func TestNextPrice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		o := e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3}).must(t, http.StatusCreated)
		path := fmt.Sprintf("/api/v1/subscriptions/%d", int64(o.body["subscription_id"].(float64)))
		e.call("PATCH", path, w.VendorA.Token, map[string]any{"deployment_status": "DEPLOYED"}).must(t, http.StatusOK)
		if r := e.call("GET", path, w.C1.Token, nil).must(t, http.StatusOK); r.body["next_price"] != nil {
			t.Fatalf("next_price before any change: %s", r.raw)
		}
		e.call("PATCH", fmt.Sprintf("/api/v1/plans/%d", w.PlanA.ID), w.VendorA.Token, map[string]any{"pricing": map[string]any{"currency": "EUR", "period": "P1M", "model": "per_unit", "unit": "seat", "unit_amount": "12.00"}}).must(t, http.StatusOK)
		r := e.call("GET", path, w.C1.Token, nil).must(t, http.StatusOK)
		np, _ := r.body["next_price"].(map[string]any)
		if np == nil || np["current_period_price"] != "30.00" || np["effective_at"] != r.body["end_date"] {
			t.Fatalf("next_price: %s", r.raw)
		}
		ren := e.call("GET", path+"/renewal", w.C1.Token, nil).must(t, http.StatusOK)
		if ren.body["price_changes"] != true || ren.str("current_period_price") != "30.00" || ren.str("period_price") != np["period_price"] {
			t.Fatalf("renewal: %s", ren.raw)
		}
	})
}
