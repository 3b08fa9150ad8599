package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/store"
)

// TestBillingAPI runs a month through the API, reads the invoice, its PDF
// and CSV, pays it, and reads the vendor's earnings and a renewal offer.
func TestBillingAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		o := e.call("POST", "/api/v1/orders", w.C1.Token, map[string]any{"plan_id": w.PlanA.ID, "quantity": 3}).must(t, http.StatusCreated)
		sub := int64(o.body["subscription_id"].(float64))
		// Its vendor delivers it: a subscription on account is invoiced once delivered.
		e.call("PATCH", fmt.Sprintf("/api/v1/subscriptions/%d", sub), w.VendorA.Token, map[string]any{"deployment_status": "DEPLOYED"}).must(t, http.StatusOK)
		period := billing.MonthOf(e.st.Now()).String()
		e.call("POST", "/api/v1/billing-runs", w.C1.Token, map[string]any{"period": period}).must(t, http.StatusForbidden)
		r := e.runBilling(t, period)
		if r.str("status") != "finished" || r.body["invoices"].(float64) != 1 {
			t.Fatalf("run: %s", r.raw)
		}
		list := e.call("GET", "/api/v1/invoices", w.C1.Token, nil).must(t, http.StatusOK)
		ids := list.itemIDs("id")
		if len(ids) != 1 {
			t.Fatalf("invoices: %s", list.raw)
		}
		inv := e.call("GET", fmt.Sprintf("/api/v1/invoices/%d", ids[0]), w.C1.Token, nil).must(t, http.StatusOK)
		if inv.str("total") != "30.00" || inv.str("status") != "issued" || !strings.HasPrefix(inv.str("number"), "INV-") {
			t.Fatalf("invoice: %s", inv.raw)
		}
		pdf := e.call("GET", fmt.Sprintf("/api/v1/invoices/%d/pdf", ids[0]), w.C1.Token, nil).must(t, http.StatusOK)
		if pdf.header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf.raw, []byte("%PDF-")) {
			t.Fatalf("pdf: %s %.40q", pdf.header.Get("Content-Type"), pdf.raw)
		}
		csv := e.call("GET", fmt.Sprintf("/api/v1/invoices/%d/csv", ids[0]), w.C1.Token, nil).must(t, http.StatusOK)
		if !strings.Contains(string(csv.raw), "total") || !strings.Contains(string(csv.raw), "30.00") {
			t.Fatalf("csv: %s", csv.raw)
		}
		e.call("POST", fmt.Sprintf("/api/v1/invoices/%d/payments", ids[0]), w.C1.Token, map[string]any{}).must(t, http.StatusForbidden)
		for _, bad := range []string{"30.01", "0", "-1", "1.001"} {
			e.call("POST", fmt.Sprintf("/api/v1/invoices/%d/payments", ids[0]), w.Platform.Token, map[string]any{"amount": bad}).must(t, http.StatusUnprocessableEntity).isProblem(t)
		}
		// A part is recorded and leaves the invoice issued; what is still
		// due (no amount) pays it.
		if part := e.call("POST", fmt.Sprintf("/api/v1/invoices/%d/payments", ids[0]), w.Platform.Token, map[string]any{"amount": "10.00"}).must(t, http.StatusOK); part.str("status") != "issued" {
			t.Fatalf("a partial payment: %s", part.raw)
		}
		e.call("POST", fmt.Sprintf("/api/v1/invoices/%d/payments", ids[0]), w.Platform.Token, map[string]any{"amount": "20.01"}).must(t, http.StatusUnprocessableEntity)
		paid := e.call("POST", fmt.Sprintf("/api/v1/invoices/%d/payments", ids[0]), w.Platform.Token, map[string]any{"reference": "bank"}).must(t, http.StatusOK)
		if paid.str("status") != "paid" {
			t.Fatalf("paid: %s", paid.raw)
		}
		earn := e.call("GET", "/api/v1/earnings?period="+period, w.VendorA.Token, nil).must(t, http.StatusOK)
		if !strings.Contains(string(earn.raw), `"total":"24.00"`) {
			t.Fatalf("earnings: %s", earn.raw)
		}
		ecsv := e.call("GET", "/api/v1/earnings/csv?period="+period, w.VendorA.Token, nil).must(t, http.StatusOK)
		if !strings.Contains(string(ecsv.raw), "24.00") {
			t.Fatalf("earnings csv: %s", ecsv.raw)
		}
		ren := e.call("GET", fmt.Sprintf("/api/v1/subscriptions/%d/renewal", sub), w.C1.Token, nil).must(t, http.StatusOK)
		if ren.str("price") != "30.00" || ren.str("action") != "renew" {
			t.Fatalf("renewal: %s", ren.raw)
		}
		e.call("PUT", fmt.Sprintf("/api/v1/organizations/%d/billing-profile", w.R1.Org.ID), w.Platform.Token, map[string]any{"self_billing": true}).must(t, http.StatusOK)
		if self, err := e.st.SelfBilling(t.Context(), w.Platform.Principal, w.R1.Org.ID); err != nil || !self {
			t.Fatalf("self billing %t %v", self, err)
		}
		_ = store.Page{}
	})
}
