package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

func init() {
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		path := fmt.Sprintf("/api/v1/organizations/%d/catalog", v.reseller)
		return map[string]probe{
			"get-reseller-catalog": {method: "GET", path: path, wantStatus: []int{http.StatusNotFound}},
			// c1b is R1's customer: it does not see R1 either.
			"set-reseller-catalog": {method: "PUT", path: path, body: map[string]any{"all": false, "product_ids": []int64{}}, wantStatus: []int{http.StatusNotFound}},
		}
	})
}

// ids returns the "id" of every object of a JSON array answer (the
// Cloudesire-compatible lists).
func ids(t *testing.T, r response) []int64 {
	t.Helper()
	var items []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(r.raw, &items); err != nil {
		t.Fatalf("%v: %s", err, r.raw)
	}
	var out []int64
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

// TestResellerCatalog: D1 restricts R1 to product B; R1 and its customer
// list only product B (/api/v1 and the Cloudesire-compatible list), an
// order of product A's plan is a 422 naming plan_id with nothing written,
// bad lists are 422 naming the field, and everything again restores it.
func TestResellerCatalog(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		path := fmt.Sprintf("/api/v1/organizations/%d/catalog", w.R1.Org.ID)
		got := e.call("GET", path, w.D1.Token, nil).must(t, http.StatusOK)
		if got.body["all"] != true {
			t.Fatalf("R1's catalog before: %s", got.raw)
		}
		for _, bad := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"a draft product", map[string]any{"product_ids": []int64{w.ProductB.ID, w.DraftA.ID}}, "body.product_ids[1]"},
			{"an unknown plan", map[string]any{"plan_ids": []int64{987654}}, "body.plan_ids[0]"},
			{"everything with a list", map[string]any{"all": true, "plan_ids": []int64{w.PlanB.ID}}, "body.all"},
		} {
			t.Run(bad.name, func(t *testing.T) {
				storetest.Unchanged(t, e.st, func() {
					r := e.call("PUT", path, w.D1.Token, bad.body).must(t, http.StatusUnprocessableEntity)
					r.isProblem(t)
					errs, _ := r.body["errors"].([]any)
					if len(errs) == 0 || errs[0].(map[string]any)["location"] != bad.field {
						t.Fatalf("errors %v, want %s", errs, bad.field)
					}
				})
			})
		}
		storetest.Unchanged(t, e.st, func() {
			e.call("PUT", path, w.R1.Token, map[string]any{"product_ids": []int64{w.ProductB.ID}}).must(t, http.StatusForbidden)
			e.call("PUT", path, w.D2.Token, map[string]any{"product_ids": []int64{w.ProductB.ID}}).must(t, http.StatusNotFound)
			e.call("PUT", fmt.Sprintf("/api/v1/organizations/%d/catalog", w.C1.Org.ID), w.D1.Token, map[string]any{"product_ids": []int64{w.ProductB.ID}}).must(t, http.StatusNotFound)
		})
		set := e.call("PUT", path, w.D1.Token, map[string]any{"product_ids": []int64{w.ProductB.ID}}).must(t, http.StatusOK)
		if set.body["all"] != false || fmt.Sprint(set.body["product_ids"]) != fmt.Sprintf("[%d]", w.ProductB.ID) {
			t.Fatalf("set: %s", set.raw)
		}
		if r := e.call("GET", path, w.R1.Token, nil).must(t, http.StatusOK); fmt.Sprint(r.body["product_ids"]) != fmt.Sprintf("[%d]", w.ProductB.ID) {
			t.Fatalf("R1 reads %s", r.raw)
		}
		for name, tok := range map[string]string{"r1": w.R1.Token, "c1": w.C1.Token} {
			if got := e.call("GET", "/api/v1/products", tok, nil).must(t, http.StatusOK).itemIDs("id"); !slices.Equal(got, []int64{w.ProductB.ID}) {
				t.Errorf("%s lists products %v", name, got)
			}
			if got := ids(t, e.call("GET", "/api/product", tok, nil).must(t, http.StatusOK)); !slices.Equal(got, []int64{w.ProductB.ID}) {
				t.Errorf("%s lists Cloudesire products %v", name, got)
			}
			if got := e.call("GET", fmt.Sprintf("/api/v1/products/%d/plans", w.ProductA.ID), tok, nil).must(t, http.StatusOK).itemIDs("id"); len(got) != 0 {
				t.Errorf("%s lists product A's plans %v", name, got)
			}
		}
		if got := e.call("GET", "/api/v1/products", w.C2.Token, nil).must(t, http.StatusOK).itemIDs("id"); !slices.Equal(got, []int64{w.ProductA.ID, w.ProductB.ID}) {
			t.Errorf("another channel's customer lists %v", got)
		}
		storetest.Unchanged(t, e.st, func() {
			r := e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 1,
				"configuration": map[string]any{"subdomain": "acme"}}).must(t, http.StatusUnprocessableEntity)
			errs, _ := r.body["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["location"] != "body.plan_id" {
				t.Fatalf("order outside the catalog: %s", r.raw)
			}
			e.call("POST", "/api/v1/quotes", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 1}).must(t, http.StatusUnprocessableEntity)
			e.call("PUT", fmt.Sprintf("/api/v1/organizations/%d/prices/%d", w.R1.Org.ID, w.PlanA.ID), w.R1.Token,
				map[string]any{"kind": "percentage", "value": "5"}).must(t, http.StatusUnprocessableEntity)
		})
		// A distributor reads its resellers' earnings, not another's.
		e.call("GET", fmt.Sprintf("/api/v1/earnings?organization_id=%d&period=2026-03", w.R1.Org.ID), w.D1.Token, nil).must(t, http.StatusOK)
		e.call("GET", fmt.Sprintf("/api/v1/earnings?organization_id=%d&period=2026-03", w.R1.Org.ID), w.D2.Token, nil).must(t, http.StatusNotFound)
		e.call("PUT", path, w.D1.Token, map[string]any{"all": true}).must(t, http.StatusOK)
		if got := e.call("GET", "/api/v1/products", w.C1.Token, nil).must(t, http.StatusOK).itemIDs("id"); !slices.Equal(got, []int64{w.ProductA.ID, w.ProductB.ID}) {
			t.Errorf("after everything again c1 lists %v", got)
		}
	})
}
