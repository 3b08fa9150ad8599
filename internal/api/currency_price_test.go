package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestPlanCurrencyPrices: a vendor sets a plan's explicit price in another
// currency through the plan's pricing; it is read back, kept in the price
// history as a new version, and a bad one (an unknown currency, the plan's
// own, another model's field) is a 422 naming it, with nothing written.
func TestPlanCurrencyPrices(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		v := e.w.VendorA
		path := fmt.Sprintf("/api/v1/products/%d/plans", e.w.ProductA.ID)
		for field, prices := range map[string]any{
			"body.pricing.prices[0].currency":    []any{map[string]any{"currency": "XYZ", "unit_amount": "11.50"}},
			"body.pricing.prices[1].currency":    []any{map[string]any{"currency": "USD", "unit_amount": "11.50"}, map[string]any{"currency": "EUR", "unit_amount": "1"}},
			"body.pricing.prices[0].amount":      []any{map[string]any{"currency": "USD", "unit_amount": "11.50", "amount": "3"}},
			"body.pricing.prices[0].unit_amount": []any{map[string]any{"currency": "JPY"}},
		} {
			before := storetest.Counts(t, e.st)
			r := e.call("POST", path, v.Token, map[string]any{"name": "bad", "pricing": map[string]any{"currency": "EUR", "model": "per_unit", "unit_amount": "10.00", "prices": prices}}).
				must(t, http.StatusUnprocessableEntity)
			r.isProblem(t)
			if !strings.Contains(string(r.raw), field) {
				t.Errorf("problem does not name %s: %s", field, r.raw)
			}
			if after := storetest.Counts(t, e.st); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("a refused plan wrote: %v → %v", before, after)
			}
		}
		plan := e.call("POST", path, v.Token, map[string]any{"name": "Dual", "pricing": map[string]any{"currency": "EUR", "model": "per_unit", "unit_amount": "10.00",
			"prices": []any{map[string]any{"currency": "USD", "unit_amount": "11.50"}}}}).must(t, http.StatusCreated)
		if !strings.Contains(string(plan.raw), `"prices":[{"currency":"USD","unit_amount":"11.5`) {
			t.Fatalf("plan %s", plan.raw)
		}
		e.call("PATCH", fmt.Sprintf("/api/v1/plans/%d", plan.id()), v.Token, map[string]any{"pricing": map[string]any{"currency": "EUR", "model": "per_unit", "unit_amount": "10.00",
			"prices": []any{map[string]any{"currency": "USD", "unit_amount": "12.00"}}}}).must(t, http.StatusOK)
		hist := e.call("GET", fmt.Sprintf("/api/v1/plans/%d/prices", plan.id()), v.Token, nil).must(t, http.StatusOK)
		if !strings.Contains(string(hist.raw), `"unit_amount":"11.5`) || !strings.Contains(string(hist.raw), `"unit_amount":"12`) {
			t.Fatalf("price history %s", hist.raw)
		}
	})
}
