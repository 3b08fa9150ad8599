package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/coupons"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// The victim's channel has a reseller's coupon: another tenant neither
// lists, reads nor deactivates it, nor grants one on the victim's
// unpublished product.
func init() {
	victimSetups = append(victimSetups, func(t *testing.T, e *env, v *victim) {
		c, err := coupons.New(e.st, store.TxFunc[coupons.Tx](e.st)).Create(context.Background(), e.w.R1.Principal,
			coupon.Coupon{Code: "VICTIM10", Kind: coupon.KindPercent, Value: decimal.NewFromInt(10), Duration: coupon.Once})
		if err != nil {
			t.Fatal(err)
		}
		v.ids["coupon"] = c.ID
		v.lists["coupons"] = []int64{c.ID}
	})
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		path := fmt.Sprintf("/api/v1/coupons/%d", v.ids["coupon"])
		notFound := []int{http.StatusNotFound}
		refused := []int{http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity}
		return map[string]probe{
			"list-coupons":      {method: "GET", path: "/api/v1/coupons?limit=200", list: func(v victim) []int64 { return v.lists["coupons"] }, listKey: "id"},
			"get-coupon":        {method: "GET", path: path, wantStatus: notFound},
			"deactivate-coupon": {method: "POST", path: path + "/deactivate", wantStatus: notFound},
			"create-coupon": {method: "POST", path: "/api/v1/coupons", body: map[string]any{"code": "MOLE", "kind": "percent", "value": "100", "duration": "forever",
				"product_ids": []int64{v.draft}}, wantStatus: refused},
		}
	})
}

// TestCouponsAPI: a reseller creates, lists and deactivates a coupon; its
// customer redeems it on a quote and an order, which show the code and the
// discount line; bad values and codes that cannot be redeemed are 422
// problems naming the field, and nothing is written.
func TestCouponsAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		c := e.call("POST", "/api/v1/coupons", w.R1.Token, map[string]any{"code": "r1-ten", "kind": "percent", "value": "10", "duration": "repeating", "periods": 3,
			"max_redemptions": 2}).must(t, http.StatusCreated)
		if c.str("code") != "R1-TEN" || c.str("granter_kind") != "reseller" || c.body["active"] != true {
			t.Fatalf("coupon %s", c.raw)
		}
		if ids := e.call("GET", "/api/v1/coupons", w.R1.Token, nil).must(t, http.StatusOK).itemIDs("id"); len(ids) != 1 || ids[0] != c.id() {
			t.Fatalf("r1 lists %v", ids)
		}
		e.call("GET", fmt.Sprintf("/api/v1/coupons/%d", c.id()), w.R2.Token, nil).must(t, http.StatusNotFound)
		e.call("POST", "/api/v1/coupons", w.C1.Token, map[string]any{"code": "MINE", "kind": "percent", "value": "10", "duration": "once"}).must(t, http.StatusForbidden)

		// 3 seats × 10.00 = 30.00, 10% off.
		q := e.call("POST", "/api/v1/quotes", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3, "coupon": "r1-ten"}).must(t, http.StatusOK)
		if q.str("total") != "27.00" || q.str("coupon") != "R1-TEN" {
			t.Fatalf("quote %s", q.raw)
		}
		o := e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3, "coupon": "R1-TEN",
			"configuration": map[string]any{"subdomain": "acme"}}).must(t, http.StatusCreated)
		lines, _ := o.body["lines"].([]any)
		if o.str("total") != "27.00" || o.str("coupon") != "R1-TEN" || len(lines) != 2 || lines[1].(map[string]any)["kind"] != "discount" || lines[1].(map[string]any)["amount"] != "-3.00" {
			t.Fatalf("order %s", o.raw)
		}

		for _, bad := range []struct {
			name, path, token string
			body              map[string]any
			field             string
		}{
			{"percent over 100", "/api/v1/coupons", w.R1.Token, map[string]any{"code": "BIG", "kind": "percent", "value": "150", "duration": "once"}, "body.value"},
			{"amount without currency", "/api/v1/coupons", w.R1.Token, map[string]any{"code": "AMT", "kind": "amount", "value": "5", "duration": "once"}, "body.currency"},
			{"too many periods", "/api/v1/coupons", w.R1.Token, map[string]any{"code": "LONG", "kind": "percent", "value": "5", "duration": "repeating", "periods": 500}, "body.periods"},
			{"code taken", "/api/v1/coupons", w.R2.Token, map[string]any{"code": "r1-ten", "kind": "percent", "value": "5", "duration": "once"}, "body.code"},
			{"unknown code on an order", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3, "coupon": "NOPE",
				"configuration": map[string]any{"subdomain": "acme"}}, "body.coupon"},
			{"another channel's coupon", "/api/v1/orders", w.C2.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3, "coupon": "R1-TEN",
				"configuration": map[string]any{"subdomain": "acme"}}, "body.coupon"},
			{"unknown code on a quote", "/api/v1/quotes", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3, "coupon": "NOPE"}, "body.coupon"},
		} {
			t.Run(bad.name, func(t *testing.T) {
				storetest.Unchanged(t, e.st, func() {
					r := e.call("POST", bad.path, bad.token, bad.body).must(t, http.StatusUnprocessableEntity)
					r.isProblem(t)
					errs, _ := r.body["errors"].([]any)
					if len(errs) == 0 || errs[0].(map[string]any)["location"] != bad.field {
						t.Fatalf("errors %v, want %s", errs, bad.field)
					}
				})
			})
		}

		d := e.call("POST", fmt.Sprintf("/api/v1/coupons/%d/deactivate", c.id()), w.R1.Token, nil).must(t, http.StatusOK)
		if d.body["active"] != false || d.body["redemptions"] != float64(1) {
			t.Fatalf("deactivated %s", d.raw)
		}
		storetest.Unchanged(t, e.st, func() {
			e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3, "coupon": "R1-TEN",
				"configuration": map[string]any{"subdomain": "acme"}}).must(t, http.StatusUnprocessableEntity)
		})
	})
}
