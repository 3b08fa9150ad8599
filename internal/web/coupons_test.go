package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestCouponsPageAndCheckout: a reseller creates and lists coupons in the
// panel (a bad value is refused with the field named, nothing written);
// the operator's coupon code at checkout shows in the live price and on
// the order; a code that cannot be redeemed comes back beside the field,
// and nothing is written.
func TestCouponsPageAndCheckout(t *testing.T) {
	h := newHarness(t)
	r := h.signIn(reseller)
	storetest.Unchanged(t, h.st, func() {
		res := r.post("/coupons", url.Values{"code": {"FAB10"}, "kind": {"percent"}, "value": {"150"}, "duration": {"once"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("bad coupon: %d", res.StatusCode)
		}
		if page := r.get("/coupons"); !strings.Contains(page.Body, "value: a percentage must be more than 0 and at most 100") {
			t.Fatalf("the refusal does not name the field:\n%s", page.Body)
		}
	})
	res := r.post("/coupons", url.Values{"code": {"fab10"}, "kind": {"percent"}, "value": {"10"}, "duration": {"repeating"}, "periods": {"3"}, "max_redemptions": {"5"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	if page := r.get("/coupons"); page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `data-coupon="FAB10"`) || !strings.Contains(page.Body, "3 periods") {
		t.Fatalf("coupons page %d:\n%s", page.StatusCode, page.Body)
	}
	if res := h.signIn(customer).get("/coupons"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a customer's coupons page: %d", res.StatusCode)
	}

	a := h.signIn(admin)
	if res := a.post("/coupons", url.Values{"code": {"WELCOME20"}, "kind": {"percent"}, "value": {"20"}, "duration": {"once"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("operator's coupon: %d", res.StatusCode)
	}
	c := h.signIn(customer)
	if res := c.get("/products/1/price?plan_id=2&quantity=4&coupon=welcome20"); !strings.Contains(res.Body, "Coupon WELCOME20") {
		t.Fatalf("live price without the coupon: %s", res.Body)
	}
	form := url.Values{"plan_id": {"2"}, "quantity": {"4"}, "nonce": {"c1"}, "cfg.company_subdomain": {"adatum-coupon"}, "coupon": {"NOSUCHCODE"}}
	storetest.Unchanged(t, h.st, func() {
		res := c.post("/products/1/order", form)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="coupon-err"`) || !strings.Contains(res.Body, "no such coupon") {
			t.Fatalf("unknown coupon: %d\n%s", res.StatusCode, res.Body)
		}
	})
	form.Set("coupon", "welcome20")
	form.Set("nonce", "c2")
	if res := c.post("/products/1/order", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("order with a coupon: %d %s", res.StatusCode, res.Body)
	}
	orders, _, _ := h.st.ListOrders(context.Background(), h.admin, store.OrderFilter{}, store.Page{Limit: 200})
	last := orders[len(orders)-1]
	if last.Coupon != "WELCOME20" || last.Lines[len(last.Lines)-1].Kind != "discount" {
		t.Fatalf("order %+v", last)
	}
}
