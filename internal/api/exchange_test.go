package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

func init() {
	// The table holds no tenant's data: every caller reads it, and only
	// the platform sets it.
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		return map[string]probe{
			"list-exchange-rates": {method: "GET", path: "/api/v1/exchange-rates", list: func(v victim) []int64 { return nil }, listKey: "id"},
			"set-exchange-rate": {method: "POST", path: "/api/v1/exchange-rates", body: map[string]any{"base": "EUR", "quote": "USD", "rate": "1.1", "valid_from": "2026-01-01"},
				wantStatus: []int{http.StatusForbidden}},
		}
	})
}

// TestExchangeRates: the platform sets the rate table (bad values are
// answered 422 naming the field, nothing written; nobody else sets it);
// customers billed in another currency than the plan's are quoted and
// ordered in theirs, yen without decimals and dinars with three; without
// a rate the order is refused naming currency.
func TestExchangeRates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		rate := func(base, quote, r, day string) map[string]any {
			return map[string]any{"base": base, "quote": quote, "rate": r, "valid_from": day}
		}
		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"a zero rate", rate("EUR", "USD", "0", "2026-01-01"), "body.rate"},
			{"a negative rate", rate("EUR", "USD", "-1.2", "2026-01-01"), "body.rate"},
			{"a rate beyond the bound", rate("EUR", "USD", "1000000.5", "2026-01-01"), "body.rate"},
			{"too many decimals", rate("EUR", "USD", "1.00000000001", "2026-01-01"), "body.rate"},
			{"an unknown base", rate("XXX", "USD", "1.1", "2026-01-01"), "body.base"},
			{"an unknown quote", rate("EUR", "ZZZ", "1.1", "2026-01-01"), "body.quote"},
			{"the same currency", rate("EUR", "EUR", "1", "2026-01-01"), "body.quote"},
			{"not a date", rate("EUR", "USD", "1.1", "2026-13-01"), "body.valid_from"},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := fmt.Sprint(storetest.Counts(t, e.st))
				r := e.call("POST", "/api/v1/exchange-rates", w.Platform.Token, c.body).must(t, http.StatusUnprocessableEntity)
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
		e.call("POST", "/api/v1/exchange-rates", w.R1.Token, rate("EUR", "USD", "1.1", "2026-01-01")).must(t, http.StatusForbidden)
		for _, r := range []map[string]any{rate("EUR", "JPY", "162.5", "2026-01-01"), rate("EUR", "KWD", "0.3345", "2026-01-01"), rate("EUR", "JPY", "150", "2020-01-01")} {
			e.call("POST", "/api/v1/exchange-rates", w.Platform.Token, r).must(t, http.StatusOK)
		}
		list := e.call("GET", "/api/v1/exchange-rates?base=EUR&quote=JPY", w.C1.Token, nil).must(t, http.StatusOK)
		if items, _ := list.body["items"].([]any); len(items) != 2 || items[0].(map[string]any)["valid_from"] != "2026-01-01" || items[0].(map[string]any)["rate"] != "162.5" {
			t.Fatalf("list %s", list.raw)
		}

		customer := func(name, currency string) int64 {
			o, err := storetest.Accounts(e.st).CreateOrganization(context.Background(), w.Platform.Principal,
				mercato.Organization{Kind: mercato.KindCustomer, Name: name, ParentID: &w.R1.Org.ID, OnAccount: true, Currency: currency})
			if err != nil {
				t.Fatal(err)
			}
			return o.ID
		}
		jpy, kwd, usd := customer("yen", "JPY"), customer("dinar", "KWD"), customer("dollar", "USD")
		// 3 × 10.00 EUR = 30.00 EUR: × 162.5 = 4875 JPY; × 0.3345 = 10.035 KWD.
		o := e.call("POST", "/api/v1/orders", w.Platform.Token, map[string]any{"customer_id": jpy, "plan_id": w.PlanA.ID, "quantity": 3}).must(t, http.StatusCreated)
		if o.str("currency") != "JPY" || o.str("total") != "4875" {
			t.Fatalf("yen order %s", o.raw)
		}
		lines, _ := o.body["lines"].([]any)
		if len(lines) != 1 || lines[0].(map[string]any)["amount"] != "4875" || !strings.Contains(lines[0].(map[string]any)["description"].(string), "EUR 30.00 at 162.5") {
			t.Fatalf("yen lines %v", lines)
		}
		q := e.call("POST", "/api/v1/quotes", w.Platform.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3, "customer_id": kwd}).must(t, http.StatusOK)
		if q.str("currency") != "KWD" || q.str("total") != "10.035" {
			t.Fatalf("dinar quote %s", q.raw)
		}
		r := e.call("POST", "/api/v1/orders", w.Platform.Token, map[string]any{"customer_id": usd, "plan_id": w.PlanA.ID, "quantity": 3}).must(t, http.StatusUnprocessableEntity)
		if errs, _ := r.body["errors"].([]any); len(errs) != 1 || !strings.HasSuffix(errs[0].(map[string]any)["location"].(string), "currency") {
			t.Fatalf("no rate: %s", r.raw)
		}
	})
}
