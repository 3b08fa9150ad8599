package api_test

import (
	"fmt"
	"net/http"
	"testing"
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
