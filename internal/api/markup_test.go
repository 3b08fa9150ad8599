package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestMarkupsRefusedWhenSet: a markup that would price below what its
// organization buys at, a fixed price on a plan that has no single unit
// price, or one beyond bounds is answered 422 naming the field, and
// nothing is written; a value markup keeps a tiered plan's tiers.
func TestMarkupsRefusedWhenSet(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		price := func(org, plan int64) string { return fmt.Sprintf("/api/v1/organizations/%d/prices/%d", org, plan) }
		// R1 buys PlanA (10.00 a seat) at D1's 11.00.
		e.call("PUT", price(w.D1.Org.ID, w.PlanA.ID), w.D1.Token, map[string]any{"kind": "percentage", "value": "10"}).must(t, http.StatusOK)
		for _, c := range []struct {
			name, token, path, kind, value, field string
		}{
			{"a distributor's fixed price below the vendor's", w.D1.Token, price(w.D1.Org.ID, w.PlanA.ID), "fixed", "9.99", "body.value"},
			{"a reseller's fixed price below its distributor's", w.R1.Token, price(w.R1.Org.ID, w.PlanA.ID), "fixed", "10.99", "body.value"},
			{"a fixed price on a graduated plan", w.R1.Token, price(w.R1.Org.ID, w.PlanTiered.ID), "fixed", "6", "body.kind"},
			{"a percentage beyond its bound", w.R1.Token, price(w.R1.Org.ID, w.PlanA.ID), "percentage", "5000", "body.value"},
			{"a value beyond the largest amount", w.R1.Token, price(w.R1.Org.ID, w.PlanA.ID), "value", "999999999990", "body.value"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := fmt.Sprint(storetest.Counts(t, e.st))
				r := e.call("PUT", c.path, c.token, map[string]any{"kind": c.kind, "value": c.value}).must(t, http.StatusUnprocessableEntity)
				r.isProblem(t)
				errs, _ := r.body["errors"].([]any)
				if len(errs) != 1 || errs[0].(map[string]any)["location"] != c.field {
					t.Fatalf("errors %v, want one at %s", errs, c.field)
				}
				if after := fmt.Sprint(storetest.Counts(t, e.st)); after != before {
					t.Fatalf("rows changed: %s -> %s", before, after)
				}
			})
		}
		// At the price it buys at, and a value on the tiered plan: accepted,
		// and the quote through R1 keeps the tiers (D1 has no markup on it:
		// 9 × 5.50 + 6 × 3.50 = 70.50).
		e.call("PUT", price(w.R1.Org.ID, w.PlanA.ID), w.R1.Token, map[string]any{"kind": "fixed", "value": "11"}).must(t, http.StatusOK)
		r := e.call("PUT", price(w.R1.Org.ID, w.PlanTiered.ID), w.R1.Token, map[string]any{"kind": "value", "value": "0.50"}).must(t, http.StatusOK)
		if r.str("kind") != "value" || r.str("value") != "0.5" {
			t.Fatalf("set %s", r.raw)
		}
		q := e.call("POST", "/api/v1/quotes", w.C1.Token, map[string]any{"plan_id": w.PlanTiered.ID, "quantity": 15}).must(t, http.StatusOK)
		if q.str("total") != "70.50" {
			t.Fatalf("quote %s", q.raw)
		}
	})
}

// TestPriceChangeUnderMarkup: a vendor's new plan price that a reseller's
// fixed price would fall below is refused (422 naming pricing and the
// reseller's entry, nothing written); one the fixed price still holds over
// is taken.
func TestPriceChangeUnderMarkup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		e.call("PUT", fmt.Sprintf("/api/v1/organizations/%d/prices/%d", w.R1.Org.ID, w.PlanA.ID), w.R1.Token, map[string]any{"kind": "fixed", "value": "12.00"}).must(t, http.StatusOK)
		plan := fmt.Sprintf("/api/v1/plans/%d", w.PlanA.ID)
		pricing := func(unit string) map[string]any {
			return map[string]any{"pricing": map[string]any{"currency": "EUR", "period": "P1M", "model": "per_unit", "unit": "seat", "unit_amount": unit}}
		}
		before := storetest.Counts(t, e.st)
		r := e.call("PATCH", plan, w.VendorA.Token, pricing("13.00")).must(t, http.StatusUnprocessableEntity)
		r.isProblem(t)
		if !strings.Contains(string(r.raw), `pricing`) || !strings.Contains(string(r.raw), fmt.Sprintf("organization %d", w.R1.Org.ID)) {
			t.Fatalf("refusal names neither the field nor the entry: %s", r.raw)
		}
		if after := storetest.Counts(t, e.st); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Fatalf("a refused price change wrote: %v → %v", before, after)
		}
		e.call("PATCH", plan, w.VendorA.Token, pricing("11.50")).must(t, http.StatusOK)
	})
}
