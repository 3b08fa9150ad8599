package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestOperatorAPI sets the operator's seller identity and a tax rate,
// refuses bad input with 422 naming the field (nothing written), keeps both
// to the platform, and credits an invoice in parts.
func TestOperatorAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		settings := map[string]any{"legal_name": "Mercato S.r.l.", "country": "IT", "vat_id": "IT01234567897", "payment_terms_days": 30,
			"address": map[string]any{"line": "Via Roma 1", "city": "Milano", "postal_code": "20121"}, "payment_instructions": "IBAN IT60 X054 2811 1010 0000 0123 456"}
		e.call("PUT", "/api/v1/operator/settings", w.C1.Token, settings).must(t, http.StatusForbidden)
		e.call("GET", "/api/v1/operator/tax-rates", w.R1.Token, nil).must(t, http.StatusForbidden)
		e.call("PUT", "/api/v1/operator/settings", w.Platform.Token, settings).must(t, http.StatusOK)
		refuse := func(method, path string, body map[string]any, field string) {
			t.Helper()
			before := fmt.Sprint(storetest.Counts(t, e.st))
			saved := string(e.call("GET", "/api/v1/operator/settings", w.Platform.Token, nil).must(t, http.StatusOK).raw)
			r := e.call(method, path, w.Platform.Token, body).must(t, http.StatusUnprocessableEntity)
			r.isProblem(t)
			errs, _ := r.body["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["location"] != field {
				t.Fatalf("%s %s: errors %v, want one at %s", method, path, errs, field)
			}
			if after := fmt.Sprint(storetest.Counts(t, e.st)); after != before {
				t.Fatalf("rows changed: %s -> %s", before, after)
			}
			if now := string(e.call("GET", "/api/v1/operator/settings", w.Platform.Token, nil).must(t, http.StatusOK).raw); now != saved {
				t.Fatalf("settings changed: %s -> %s", saved, now)
			}
		}
		with := func(k string, v any) map[string]any {
			out := map[string]any{}
			for key, val := range settings {
				out[key] = val
			}
			out[k] = v
			return out
		}
		refuse("PUT", "/api/v1/operator/settings", with("vat_id", "IT01234567890"), "body.vat_id")
		refuse("PUT", "/api/v1/operator/settings", with("payment_terms_days", 400), "body.payment_terms_days")
		refuse("PUT", "/api/v1/operator/settings", with("country", "it"), "body.country")
		refuse("POST", "/api/v1/operator/tax-rates", map[string]any{"country": "RO", "rate": "100", "valid_from": "2027-01-01"}, "body.rate")
		refuse("POST", "/api/v1/operator/tax-rates", map[string]any{"country": "XX", "rate": "20", "valid_from": "2027-01-01"}, "body.country")
		refuse("POST", "/api/v1/operator/tax-rates", map[string]any{"country": "RO", "rate": "20", "valid_from": "2027-13-01"}, "body.valid_from")
		got := e.call("GET", "/api/v1/operator/settings", w.Platform.Token, nil).must(t, http.StatusOK)
		if got.str("legal_name") != "Mercato S.r.l." || got.str("vat_id") != "IT01234567897" {
			t.Fatalf("settings: %s", got.raw)
		}
		rate := e.call("POST", "/api/v1/operator/tax-rates", w.Platform.Token, map[string]any{"country": "RO", "rate": "23", "valid_from": "2027-01-01"}).must(t, http.StatusCreated)
		if rate.str("valid_from") != "2027-01-01" || rate.str("rate") != "23" {
			t.Fatalf("rate: %s", rate.raw)
		}
		e.call("POST", "/api/v1/operator/tax-rates", w.Platform.Token, map[string]any{"country": "RO", "rate": "24", "valid_from": "2027-01-01"}).must(t, http.StatusConflict)
		// An organization's EU VAT id is checked.
		r := e.call("PATCH", fmt.Sprintf("/api/v1/organizations/%d", w.C1.Org.ID), w.Platform.Token, map[string]any{"country": "DE", "vat_id": "DE136695977"}).must(t, http.StatusUnprocessableEntity)
		if errs, _ := r.body["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["location"] != "body.vat_id" {
			t.Fatalf("VAT id: %s", r.raw)
		}
		org := e.call("PATCH", fmt.Sprintf("/api/v1/organizations/%d", w.C1.Org.ID), w.Platform.Token, map[string]any{"country": "DE", "vat_id": "DE136695976",
			"address": map[string]any{"line": "Hauptstraße 1", "city": "Köln", "postal_code": "50667"}}).must(t, http.StatusOK)
		if addr, _ := org.body["address"].(map[string]any); addr["city"] != "Köln" {
			t.Fatalf("address: %s", org.raw)
		}

		// A month billed, then credited in parts.
		o := e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3}).must(t, http.StatusCreated)
		e.call("PATCH", fmt.Sprintf("/api/v1/subscriptions/%d", int64(o.body["subscription_id"].(float64))), w.VendorA.Token, map[string]any{"deployment_status": "DEPLOYED"}).must(t, http.StatusOK)
		period := e.st.Now().UTC().Format("2006-01")
		if r := e.runBilling(t, period); r.str("status") != "finished" {
			t.Fatalf("run: %s", r.raw)
		}
		ids := e.call("GET", "/api/v1/invoices", w.C1.Token, nil).must(t, http.StatusOK).itemIDs("id")
		if len(ids) != 1 {
			t.Fatalf("invoices %v", ids)
		}
		inv := e.call("GET", fmt.Sprintf("/api/v1/invoices/%d", ids[0]), w.C1.Token, nil).must(t, http.StatusOK)
		issuer, _ := inv.body["issuer"].(map[string]any)
		lines, _ := inv.body["lines"].([]any)
		if issuer["name"] != "Mercato S.r.l." || len(lines) != 1 || lines[0].(map[string]any)["product"] != w.ProductA.Name || lines[0].(map[string]any)["plan"] != w.PlanA.Name ||
			inv.str("tax_rate") != "0" { // a German business with a valid VAT id: reverse charge
			t.Fatalf("invoice: %s", inv.raw)
		}
		credit := fmt.Sprintf("/api/v1/invoices/%d/credit-notes", ids[0])
		refuse("POST", credit, map[string]any{"amount": "30.01"}, "body.amount")
		refuse("POST", credit, map[string]any{"lines": []int{2}}, "body.lines")
		cn := e.call("POST", credit, w.Platform.Token, map[string]any{"amount": "10.00", "reason": "unused seat"}).must(t, http.StatusCreated)
		if cn.str("total") != "-10.00" || cn.str("kind") != "credit_note" {
			t.Fatalf("credit note: %s", cn.raw)
		}
		rest := e.call("POST", credit, w.Platform.Token, map[string]any{}).must(t, http.StatusCreated)
		if rest.str("total") != "-20.00" {
			t.Fatalf("rest: %s", rest.raw)
		}
		e.call("POST", credit, w.Platform.Token, map[string]any{}).must(t, http.StatusConflict)
		after := e.call("GET", fmt.Sprintf("/api/v1/invoices/%d", ids[0]), w.C1.Token, nil).must(t, http.StatusOK)
		if after.str("status") != "issued" || after.body["fully_credited"] != true {
			t.Fatalf("credited invoice: %s", after.raw)
		}
	})
}

// TestRetentionAPI reads the default retention policy, sets one, refuses
// bad periods with 422 naming the field (nothing saved) and keeps the
// policy to the platform.
func TestRetentionAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		got := e.call("GET", "/api/v1/operator/retention", w.Platform.Token, nil).must(t, http.StatusOK)
		if got.body["attempts_days"] != 30.0 || got.body["deliveries_days"] != 90.0 || got.body["events_days"] != 400.0 || got.body["updated_at"] != nil {
			t.Fatalf("defaults: %s", got.raw)
		}
		policy := map[string]any{"attempts_days": 7, "deliveries_days": 30, "events_days": 60}
		e.call("GET", "/api/v1/operator/retention", w.VendorA.Token, nil).must(t, http.StatusForbidden)
		e.call("PUT", "/api/v1/operator/retention", w.C1.Token, policy).must(t, http.StatusForbidden)
		e.call("PUT", "/api/v1/operator/retention", w.Platform.Token, policy).must(t, http.StatusOK)
		for field, body := range map[string]map[string]any{
			"body.attempts_days": {"attempts_days": 0, "deliveries_days": 30, "events_days": 60},
			"body.events_days":   {"attempts_days": 7, "deliveries_days": 30, "events_days": 29},
		} {
			before := fmt.Sprint(storetest.Counts(t, e.st))
			r := e.call("PUT", "/api/v1/operator/retention", w.Platform.Token, body).must(t, http.StatusUnprocessableEntity)
			r.isProblem(t)
			errs, _ := r.body["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["location"] != field {
				t.Fatalf("%v: errors %v, want one at %s", body, errs, field)
			}
			if after := fmt.Sprint(storetest.Counts(t, e.st)); after != before {
				t.Fatalf("rows changed: %s -> %s", before, after)
			}
		}
		got = e.call("GET", "/api/v1/operator/retention", w.Platform.Token, nil).must(t, http.StatusOK)
		if got.body["attempts_days"] != 7.0 || got.body["events_days"] != 60.0 || got.body["updated_at"] == nil {
			t.Fatalf("policy read back: %s", got.raw)
		}
	})
}

// TestFeeRulesAPI sets fee rules by type and by vendor, reads them back in
// order, refuses bad ones with 422 naming the field (nothing written),
// keeps them to the platform, and charges an order at the most specific
// rule; then the dunning settings, read from the configuration until saved.
func TestFeeRulesAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		refuse := func(method, path string, body map[string]any, field string) {
			t.Helper()
			before := fmt.Sprint(storetest.Counts(t, e.st))
			r := e.call(method, path, w.Platform.Token, body).must(t, http.StatusUnprocessableEntity)
			r.isProblem(t)
			errs, _ := r.body["errors"].([]any)
			if len(errs) != 1 || errs[0].(map[string]any)["location"] != field {
				t.Fatalf("%s %s %v: errors %v, want one at %s", method, path, body, errs, field)
			}
			if after := fmt.Sprint(storetest.Counts(t, e.st)); after != before {
				t.Fatalf("rows changed: %s -> %s", before, after)
			}
		}
		const rules = "/api/v1/operator/fee-rules"
		refuse("PUT", rules, map[string]any{"percent": "100.01"}, "body.percent")
		refuse("PUT", rules, map[string]any{"percent": "abc"}, "body.percent")
		refuse("PUT", rules, map[string]any{"percent": "5", "product_type": "cloud"}, "body.product_type")
		refuse("PUT", rules, map[string]any{"percent": "5", "vendor_id": w.C1.Org.ID}, "body.vendor_id")
		e.call("PUT", rules, w.VendorA.Token, map[string]any{"percent": "0", "vendor_id": w.VendorA.Org.ID}).must(t, http.StatusForbidden)
		e.call("GET", rules, w.C1.Token, nil).must(t, http.StatusForbidden)
		e.call("DELETE", rules+"?vendor_id=0", w.Platform.Token, nil).must(t, http.StatusUnprocessableEntity)
		e.call("DELETE", rules+"?product_type=service", w.Platform.Token, nil).must(t, http.StatusNotFound)

		e.call("PUT", rules, w.Platform.Token, map[string]any{"percent": "15", "product_type": "saas"}).must(t, http.StatusOK)
		r := e.call("PUT", rules, w.Platform.Token, map[string]any{"percent": "7.5", "vendor_id": w.VendorA.Org.ID, "product_type": "saas"}).must(t, http.StatusOK)
		if r.str("percent") != "7.5" || r.str("vendor_name") != w.VendorA.Org.Name {
			t.Fatalf("rule: %s", r.raw)
		}
		list := e.call("GET", rules, w.Platform.Token, nil).must(t, http.StatusOK)
		var items []map[string]any
		if err := json.Unmarshal(list.raw, &items); err != nil {
			t.Fatalf("rules: %s: %v", list.raw, err)
		}
		var got []string
		for _, x := range items {
			got = append(got, fmt.Sprintf("%v/%v=%v", x["vendor_id"], x["product_type"], x["percent"]))
		}
		if want := fmt.Sprintf("[0/=20 0/saas=15 %d/saas=7.5]", w.VendorA.Org.ID); fmt.Sprint(got) != want {
			t.Fatalf("rules %v, want %s", got, want)
		}
		// Vendor A's SaaS plan is sold at its vendor and type's 7.5%.
		q := e.call("POST", "/api/v1/quotes", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 2}).must(t, http.StatusOK)
		shares, _ := q.body["shares"].([]any)
		found := false
		for _, sh := range shares {
			if m := sh.(map[string]any); m["role"] == "platform" {
				found = m["amount"] == "1.50"
			}
		}
		if !found {
			t.Fatalf("quote shares %v, want the platform's 1.50 (7.5%% of 20.00)", shares)
		}
		e.call("DELETE", fmt.Sprintf("%s?vendor_id=%d&product_type=saas", rules, w.VendorA.Org.ID), w.Platform.Token, nil).must(t, http.StatusNoContent)

		const dunning = "/api/v1/operator/dunning"
		d := e.call("GET", dunning, w.Platform.Token, nil).must(t, http.StatusOK)
		if fmt.Sprint(d.body["payment_retry_days"]) != "[1 3 5 7]" || d.body["suspend_days"] != 21.0 || d.body["updated_at"] != nil {
			t.Fatalf("default dunning settings: %s", d.raw)
		}
		refuse("PUT", dunning, map[string]any{"payment_retry_days": []int{3, 1}, "suspend_days": 21}, "body.payment_retry_days")
		refuse("PUT", dunning, map[string]any{"payment_retry_days": []int{1, 61}, "suspend_days": 21}, "body.payment_retry_days")
		refuse("PUT", dunning, map[string]any{"payment_retry_days": []int{1}, "suspend_days": 400}, "body.suspend_days")
		e.call("PUT", dunning, w.R1.Token, map[string]any{"payment_retry_days": []int{1}, "suspend_days": 1}).must(t, http.StatusForbidden)
		e.call("PUT", dunning, w.Platform.Token, map[string]any{"payment_retry_days": []int{2, 4, 8}, "suspend_days": 10}).must(t, http.StatusOK)
		d = e.call("GET", dunning, w.Platform.Token, nil).must(t, http.StatusOK)
		if fmt.Sprint(d.body["payment_retry_days"]) != "[2 4 8]" || d.body["suspend_days"] != 10.0 || d.body["updated_at"] == nil || d.body["renewal_reminder_days"] != nil {
			t.Fatalf("saved dunning settings: %s", d.raw)
		}
		// The reminder days: the operator's once given, serve's while absent.
		refuse("PUT", dunning, map[string]any{"payment_retry_days": []int{1}, "suspend_days": 21, "renewal_reminder_days": 91}, "body.renewal_reminder_days")
		refuse("PUT", dunning, map[string]any{"payment_retry_days": []int{1}, "suspend_days": 21, "trial_reminder_days": -1}, "body.trial_reminder_days")
		e.call("PUT", dunning, w.Platform.Token, map[string]any{"payment_retry_days": []int{2, 4, 8}, "suspend_days": 10, "renewal_reminder_days": 14, "trial_reminder_days": 0}).must(t, http.StatusOK)
		d = e.call("GET", dunning, w.Platform.Token, nil).must(t, http.StatusOK)
		if d.body["renewal_reminder_days"] != 14.0 || d.body["trial_reminder_days"] != 0.0 {
			t.Fatalf("saved reminder days: %s", d.raw)
		}
	})
}
