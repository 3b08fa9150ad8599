package web_test

import (
	"context"
	"github.com/shopspring/decimal"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The operator closes the month from the billing page; the customer lists
// its invoice and downloads the PDF and CSV; the vendor reads its
// earnings. Every document is read with the signed-in user's principal.
func TestInvoicesEarningsAndBillingRuns(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	month := billing.MonthOf(time.Now()).String()

	h.deliveredOrder()
	// Only the platform runs billing.
	if res := h.signIn(customer).post("/billing/runs", url.Values{"period": {month}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("customer starts a run: %d", res.StatusCode)
	}
	if invs, _, _ := h.st.ListInvoices(ctx, h.admin, store.InvoiceFilter{}, store.Page{}); len(invs) != 0 {
		t.Fatalf("a customer's billing run made %d invoices", len(invs))
	}
	op := h.signIn(admin)
	if res := op.get("/invoices"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "No billing run yet") {
		t.Fatalf("billing page before a run: %d", res.StatusCode)
	}
	if res := op.post("/billing/runs", url.Values{"period": {"not a month"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("run with a bad period: %d", res.StatusCode)
	}
	done := op.runBilling(month)
	if !strings.Contains(done.Body, `id="run-result"`) || !strings.Contains(done.Body, "No subscription was skipped.") {
		t.Fatalf("the run's page shows no result:\n%s", done.Body)
	}
	page := op.get("/invoices")
	if !strings.Contains(page.Body, `id="runs-table"`) || !strings.Contains(page.Body, `<span class="badge ok">finished</span>`) {
		t.Fatalf("the run is not listed:\n%s", page.Body)
	}
	invs, _, err := h.st.ListInvoices(ctx, h.admin, store.InvoiceFilter{}, store.Page{})
	if err != nil || len(invs) == 0 {
		t.Fatalf("no invoice after the run: %v", err)
	}
	inv := invs[0]

	cust := h.signIn(customer)
	list := cust.get("/invoices")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.Body, inv.Number) || !strings.Contains(list.Body, billing.Money(inv.Total, inv.Currency)) {
		t.Fatalf("customer's invoices lack %s:\n%s", inv.Number, list.Body)
	}
	if res := cust.get("/invoices/" + itoa(inv.ID)); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, inv.Number) {
		t.Fatalf("invoice page: %d", res.StatusCode)
	}
	pdf := cust.get("/invoices/" + itoa(inv.ID) + "/pdf")
	if pdf.StatusCode != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF-") ||
		!strings.Contains(pdf.Header.Get("Content-Disposition"), inv.Number+".pdf") {
		t.Fatalf("PDF: %d %s %q", pdf.StatusCode, pdf.Header.Get("Content-Type"), pdf.Body[:min(len(pdf.Body), 20)])
	}
	if csv := cust.get("/invoices/" + itoa(inv.ID) + "/csv"); csv.StatusCode != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csv.Body, "total") {
		t.Fatalf("CSV: %d %s", csv.StatusCode, csv.Header.Get("Content-Type"))
	}
	// Another customer cannot see it, nor download it.
	other := h.signIn(otherCustomer)
	for _, p := range []string{"", "/pdf", "/csv"} {
		if res := other.get("/invoices/" + itoa(inv.ID) + p); res.StatusCode != http.StatusNotFound {
			t.Errorf("another customer GET invoice%s: %d, want 404", p, res.StatusCode)
		}
	}
	if res := other.get("/invoices"); strings.Contains(res.Body, inv.Number) {
		t.Fatal("another customer lists Adatum's invoice")
	}

	// The vendor's earnings for the month, on the page and as CSV.
	sts, err := storetest.Channel(h.st).Earnings(ctx, mustPrincipal(t, h, "mct_demo_vendor_contoso"), channel.EarningsRequest{Period: month})
	if err != nil || len(sts) == 0 {
		t.Fatalf("vendor earnings: %v %v", sts, err)
	}
	v := h.signIn(vendor)
	if res := v.get("/invoices?period=" + month); !strings.Contains(res.Body, billing.Money(sts[0].Total, sts[0].Currency)) {
		t.Fatalf("vendor's earnings page lacks %s", billing.Money(sts[0].Total, sts[0].Currency))
	}
	// …and by month, as a chart with its figures as a table: this
	// month's total in its row; a year with nothing earned has no chart.
	chartRow := `<tr><th scope="row">` + time.Now().UTC().Format("Jan 2006") + `</th><td class="num">` + sts[0].Currency + " " + billing.Money(sts[0].Total, sts[0].Currency) + `</td>`
	if res := v.get("/invoices?period=" + month); !strings.Contains(res.Body, `id="earnings-chart"`) || !strings.Contains(res.Body, `src="data:image/svg&#43;xml;base64,`) ||
		!strings.Contains(res.Body, "Earnings by month") || !strings.Contains(res.Body, chartRow) {
		t.Fatalf("vendor's earnings chart lacks %s:\n%s", chartRow, res.Body)
	}
	if res := v.get("/invoices?period=" + billing.MonthOf(time.Now().AddDate(1, 1, 0)).String()); strings.Contains(res.Body, `id="earnings-chart"`) {
		t.Fatal("a year with nothing earned has an earnings chart")
	}
	if res := v.get("/earnings.csv?period=" + month); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.Body, billing.Money(sts[0].Total, sts[0].Currency)) {
		t.Fatalf("earnings CSV: %d\n%s", res.StatusCode, res.Body)
	}
	for _, email := range []string{reseller, distributor} {
		if res := h.signIn(email).get("/invoices?period=" + month); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Earnings for "+month) {
			t.Errorf("%s earnings page: %d", email, res.StatusCode)
		}
	}

	// Mark paid, in part: the operator records what arrived on the
	// invoice's page; a bad amount is refused in place (the typed value
	// kept) and records nothing; a part leaves the rest due, shown on the
	// page; the customer has no such form and cannot post one.
	payments := "/invoices/" + itoa(inv.ID) + "/payments"
	if res := cust.get("/invoices/" + itoa(inv.ID)); strings.Contains(res.Body, `id="pay-form"`) {
		t.Fatal("the customer is offered to record a payment")
	}
	if res := cust.post(payments, url.Values{"amount": {"1.00"}}); res.StatusCode == http.StatusOK {
		t.Fatalf("the customer records a payment: %d", res.StatusCode)
	}
	for _, bad := range []string{"lots", "0", billing.Money(inv.Total.Add(decimal.NewFromInt(1)), inv.Currency)} {
		res := op.post(payments, url.Values{"amount": {bad}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="pay-error"`) || !strings.Contains(res.Body, `value="`+bad+`"`) {
			t.Fatalf("amount %q: %d\n%s", bad, res.StatusCode, res.Body)
		}
	}
	if res := op.post(payments, url.Values{"amount": {"1.00"}, "reference": {"bank 1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a part: %d\n%s", res.StatusCode, res.Body)
	}
	rest := billing.Money(inv.Total.Sub(decimal.NewFromInt(1)), inv.Currency)
	page = op.get("/invoices/" + itoa(inv.ID))
	if !strings.Contains(page.Body, `id="still-due">`) || !strings.Contains(page.Body[strings.Index(page.Body, `id="still-due">`):], rest) || !strings.Contains(page.Body, `value="`+rest+`"`) {
		t.Fatalf("after a part, what is still due (%s) is not shown:\n%s", rest, page.Body)
	}
	if got, err := h.st.Invoice(ctx, h.admin, inv.ID); err != nil || got.Status != billing.StatusIssued {
		t.Fatalf("after a part: %s %v", got.Status, err)
	}
	if res := op.post(payments, url.Values{"amount": {rest}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("the rest: %d", res.StatusCode)
	}
	if got, err := h.st.Invoice(ctx, h.admin, inv.ID); err != nil || got.Status != billing.StatusPaid {
		t.Fatalf("after the rest: %s %v", got.Status, err)
	}

	// The operator's payments page lists both parts, newest first, with
	// the invoice, customer, amount and method; the filter keeps a kind;
	// nobody else opens it.
	list = op.get("/admin/payments")
	rows := strings.Split(list.Body, "<tr data-payment=")
	if list.StatusCode != http.StatusOK || len(rows) != 3 || !strings.Contains(rows[1], rest) || !strings.Contains(rows[2], "EUR 1.00") ||
		!strings.Contains(rows[2], "bank 1") || !strings.Contains(rows[1], inv.Number) || !strings.Contains(rows[1], inv.Customer.Name) ||
		!strings.Contains(rows[1], "partial") || !strings.Contains(rows[1], "marked paid") {
		t.Fatalf("payments page: %d\n%s", list.StatusCode, list.Body)
	}
	if res := op.get("/admin/payments?status=partial"); strings.Count(res.Body, "<tr data-payment=") != 2 {
		t.Fatalf("partial payments:\n%s", res.Body)
	}
	if res := op.get("/admin/payments?status=refund"); strings.Contains(res.Body, "<tr data-payment=") || !strings.Contains(res.Body, "No payments.") {
		t.Fatalf("refunds:\n%s", res.Body)
	}
	if res := op.get("/admin/payments?status=late"); res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
		t.Fatalf("an unknown kind: %d", res.StatusCode)
	}
	for _, email := range []string{customer, vendor} {
		if res := h.signIn(email).get("/admin/payments"); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s opens the payments page: %d", email, res.StatusCode)
		}
	}
}

// runBilling starts a billing run from the billing page's form, follows
// the redirect to the run's page and asks for its progress, as the page's
// htmx does every second, until the run has ended; it returns the run's
// page then.
func (c *client) runBilling(month string) response {
	c.h.t.Helper()
	res := c.post("/billing/runs", url.Values{"period": {month}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/billing/runs/") {
		c.h.t.Fatalf("billing run: %d %q", res.StatusCode, loc)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := c.get(loc + "/progress")
		if p.StatusCode != http.StatusOK {
			c.h.t.Fatalf("progress: %d", p.StatusCode)
		}
		if !strings.Contains(p.Body, `data-status="running"`) {
			if !strings.Contains(p.Body, `data-status="finished"`) {
				c.h.t.Fatalf("the run did not finish:\n%s", p.Body)
			}
			break
		}
		if time.Now().After(deadline) {
			c.h.t.Fatalf("the run is still running:\n%s", p.Body)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return c.get(loc)
}

func mustPrincipal(t *testing.T, h *harness, token string) mercato.Principal {
	t.Helper()
	p, err := h.st.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// deliveredOrder places a paid order of the customer's this month (the
// demo's own subscription is in its trial) and has its vendor deliver it:
// a subscription on account is invoiced once delivered.
func (h *harness) deliveredOrder() {
	h.t.Helper()
	ctx := context.Background()
	if res := h.signIn(customer).post("/products/1/order", url.Values{"plan_id": {"2"}, "quantity": {"3"}, "nonce": {"b1"},
		"cfg.company_subdomain": {"adatum-billing"}}); res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("order: %d", res.StatusCode)
	}
	subs, _, err := h.st.ListSubscriptions(ctx, h.admin, store.SubscriptionFilter{}, store.Page{Limit: 200})
	if err != nil || len(subs) == 0 {
		h.t.Fatalf("subscriptions: %v", err)
	}
	if _, err := app.Lifecycle(h.st).SetStatus(ctx, h.admin, subs[len(subs)-1].ID, subscription.Deployed); err != nil {
		h.t.Fatal(err)
	}
}
