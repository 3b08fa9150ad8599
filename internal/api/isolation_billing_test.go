package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/store"
)

// The victim's invoice (billed by a run of the current month) and the
// earnings it posted.
func init() {
	victimSetups = append(victimSetups, func(t *testing.T, e *env, v *victim) {
		ctx := context.Background()
		run, err := billingrun.New(e.st, store.TxFunc[billingrun.Tx](e.st)).RunBilling(ctx, e.w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(time.Now())})
		if err != nil {
			t.Fatal(err)
		}
		v.ids["billing-run"] = run.ID
		invs, _, err := e.st.ListInvoices(ctx, e.w.C1.Principal, store.InvoiceFilter{}, store.Page{})
		if err != nil || len(invs) == 0 {
			t.Fatalf("victim invoices: %v %v", invs, err)
		}
		v.ids["invoice"] = invs[0].ID
		v.ids["vendorA"] = e.w.VendorA.Org.ID
		v.lists["invoices"] = []int64{invs[0].ID}
	})
	extraProbes = append(extraProbes, func(v victim) map[string]probe {
		inv := fmt.Sprintf("/api/v1/invoices/%d", v.ids["invoice"])
		notFound := []int{http.StatusNotFound}
		refused := []int{http.StatusNotFound, http.StatusForbidden, http.StatusUnprocessableEntity}
		period := billing.MonthOf(time.Now()).String()
		earnings := fmt.Sprintf("?organization_id=%d&period=%s", v.ids["vendorA"], period)
		return map[string]probe{
			"list-invoices":            {method: "GET", path: "/api/v1/invoices?limit=200", list: func(v victim) []int64 { return v.lists["invoices"] }, listKey: "id"},
			"get-invoice":              {method: "GET", path: inv, wantStatus: notFound},
			"get-invoice-pdf":          {method: "GET", path: inv + "/pdf", wantStatus: notFound},
			"get-invoice-csv":          {method: "GET", path: inv + "/csv", wantStatus: notFound},
			"pay-invoice":              {method: "POST", path: inv + "/payments", body: map[string]any{"reference": "x"}, wantStatus: notFound},
			"issue-invoice":            {method: "POST", path: inv + "/issue", wantStatus: notFound},
			"credit-invoice":           {method: "POST", path: inv + "/credit-notes", body: map[string]any{"reason": "x"}, wantStatus: notFound},
			"create-billing-run":       {method: "POST", path: "/api/v1/billing-runs", body: map[string]any{"period": period}, wantStatus: refused},
			"get-billing-run":          {method: "GET", path: fmt.Sprintf("/api/v1/billing-runs/%d", v.ids["billing-run"]), wantStatus: refused},
			"get-earnings":             {method: "GET", path: "/api/v1/earnings" + earnings, wantStatus: notFound},
			"get-earnings-csv":         {method: "GET", path: "/api/v1/earnings/csv" + earnings, wantStatus: notFound},
			"get-subscription-renewal": {method: "GET", path: fmt.Sprintf("/api/v1/subscriptions/%d/renewal", v.sub), wantStatus: notFound},
			// The operator's own settings: the platform's only.
			"get-operator-settings": {method: "GET", path: "/api/v1/operator/settings", wantStatus: []int{http.StatusForbidden}},
			"put-operator-settings": {method: "PUT", path: "/api/v1/operator/settings", body: map[string]any{"legal_name": "x", "country": "IT", "payment_terms_days": 30},
				wantStatus: []int{http.StatusForbidden}},
			"get-retention-policy": {method: "GET", path: "/api/v1/operator/retention", wantStatus: []int{http.StatusForbidden}},
			"put-retention-policy": {method: "PUT", path: "/api/v1/operator/retention", body: map[string]any{"attempts_days": 1, "deliveries_days": 1, "events_days": 1},
				wantStatus: []int{http.StatusForbidden}},
			"list-tax-rates":       {method: "GET", path: "/api/v1/operator/tax-rates", wantStatus: []int{http.StatusForbidden}},
			"create-tax-rate":      {method: "POST", path: "/api/v1/operator/tax-rates", body: map[string]any{"country": "IT", "rate": "10", "valid_from": "2030-01-01"}, wantStatus: []int{http.StatusForbidden}},
			"list-fee-rules":       {method: "GET", path: "/api/v1/operator/fee-rules", wantStatus: []int{http.StatusForbidden}},
			"put-fee-rule":         {method: "PUT", path: "/api/v1/operator/fee-rules", body: map[string]any{"percent": "0"}, wantStatus: []int{http.StatusForbidden}},
			"delete-fee-rule":      {method: "DELETE", path: "/api/v1/operator/fee-rules?product_type=saas", wantStatus: []int{http.StatusForbidden}},
			"get-dunning-settings": {method: "GET", path: "/api/v1/operator/dunning", wantStatus: []int{http.StatusForbidden}},
			"put-dunning-settings": {method: "PUT", path: "/api/v1/operator/dunning", body: map[string]any{"payment_retry_days": []int{1}, "suspend_days": 1}, wantStatus: []int{http.StatusForbidden}},
			"set-billing-profile":  {method: "PUT", path: fmt.Sprintf("/api/v1/organizations/%d/billing-profile", v.reseller), body: map[string]any{"self_billing": true}, wantStatus: notFound},
		}
	})
}
