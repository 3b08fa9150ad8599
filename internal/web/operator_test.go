package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The operator's page shows the demo's seller identity and the tax rates,
// refuses a bad VAT id (nothing saved), adds a dated rate; an invoice
// names the seller, the buyer's address and the product, and the operator
// credits part of it from the invoice page.
func TestOperatorPageAndCredit(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	op := h.signIn(admin)
	page := op.get("/admin/operator")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, demo.Seller.LegalName) || !strings.Contains(page.Body, `id="tax-rates"`) ||
		!strings.Contains(page.Body, `<td>RO</td><td class="num">21%</td><td><time datetime="2025-08-01`) {
		t.Fatalf("operator page: %d\n%s", page.StatusCode, page.Body)
	}
	if res := h.signIn(customer).get("/admin/operator"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a customer reads the operator page: %d", res.StatusCode)
	}
	form := url.Values{"legal_name": {"Other S.r.l."}, "country": {"IT"}, "vat_id": {"IT01234567890"}, "payment_terms_days": {"30"}}
	if res := op.post("/admin/operator/settings", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bad settings: %d", res.StatusCode)
	}
	if res := op.get("/admin/operator"); !strings.Contains(res.Body, "vat_id") || !strings.Contains(res.Body, demo.Seller.LegalName) {
		t.Fatalf("a bad VAT id was saved or not reported:\n%s", res.Body)
	}
	if res := op.post("/admin/operator/tax-rates", url.Values{"country": {"DE"}, "rate": {"20"}, "valid_from": {"2030-01-01"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add rate: %d", res.StatusCode)
	}
	if res := op.get("/admin/operator"); !strings.Contains(res.Body, `<td>DE</td><td class="num">20%</td><td><time datetime="2030-01-01`) {
		t.Fatalf("the new rate is not listed:\n%s", res.Body)
	}

	// A month billed: Adatum's order, delivered.
	if res := h.signIn(customer).post("/products/1/order", url.Values{"plan_id": {"2"}, "quantity": {"3"}, "nonce": {"op1"},
		"cfg.company_subdomain": {"adatum-operator"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("order: %d", res.StatusCode)
	}
	subs, _, err := h.st.ListSubscriptions(ctx, h.admin, store.SubscriptionFilter{}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.Lifecycle(h.st).SetStatus(ctx, h.admin, subs[len(subs)-1].ID, subscription.Deployed); err != nil {
		t.Fatal(err)
	}
	op.runBilling(billing.MonthOf(time.Now()).String())
	invs, _, err := h.st.ListInvoices(ctx, h.admin, store.InvoiceFilter{Kind: billing.KindInvoice}, store.Page{})
	if err != nil || len(invs) == 0 {
		t.Fatalf("no invoice: %v", err)
	}
	inv := invs[0]
	res := op.get("/invoices/" + itoa(inv.ID))
	for _, want := range []string{demo.Seller.LegalName, "Via Roma 1", "Via Torino 5", "IBAN IT60", `id="credit-form"`} {
		if !strings.Contains(res.Body, want) {
			t.Fatalf("invoice page lacks %q:\n%s", want, res.Body)
		}
	}
	if c := h.signIn(customer).get("/invoices/" + itoa(inv.ID)); strings.Contains(c.Body, `id="credit-form"`) {
		t.Fatal("the customer is offered to credit its invoice")
	}
	if res := op.post("/invoices/"+itoa(inv.ID)+"/credit", url.Values{"amount": {"1.00"}, "reason": {"goodwill"}}); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/invoices/") || res.Header.Get("Location") == "/invoices/"+itoa(inv.ID) {
		t.Fatalf("credit: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	notes, _, err := h.st.ListInvoices(ctx, h.admin, store.InvoiceFilter{Kind: billing.KindCreditNote}, store.Page{})
	if err != nil || len(notes) != 1 || notes[0].Subtotal.String() != "-1" {
		t.Fatalf("credit notes %+v %v", notes, err)
	}
}
