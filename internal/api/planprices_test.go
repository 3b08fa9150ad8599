package api_test

import (
	"fmt"
	"net/http"
	"testing"
)

// TestPlanPriceHistory: GET /api/v1/plans/{id}/prices lists each pricing a
// plan has had, oldest first, with when it took effect; a rename adds
// none.
func TestPlanPriceHistory(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		path := fmt.Sprintf("/api/v1/plans/%d", w.PlanA.ID)
		e.call("PATCH", path, w.VendorA.Token, map[string]any{"name": "Seats renamed"}).must(t, http.StatusOK)
		e.call("PATCH", path, w.VendorA.Token, map[string]any{"pricing": map[string]any{"currency": "EUR", "period": "P1M", "model": "per_unit", "unit": "seat", "unit_amount": "12.00"}}).must(t, http.StatusOK)
		r := e.call("GET", path+"/prices", w.C1.Token, nil).must(t, http.StatusOK)
		items, _ := r.body["items"].([]any)
		var got []string
		for _, it := range items {
			v := it.(map[string]any)
			got = append(got, fmt.Sprintf("%v from %v", v["pricing"].(map[string]any)["unit_amount"], v["effective_at"] != nil))
		}
		if fmt.Sprint(got) != "[10 from true 12 from true]" {
			t.Fatalf("history %v: %s", got, r.raw)
		}
	})
}
