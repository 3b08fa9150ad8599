package cli

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/stripepay/stripemock"
)

// TestServePayments: with MERCATO_STRIPE_SECRET_KEY and --stripe-api
// (stripe-mock) a customer's billing page offers to save a payment
// method and the button leads to Stripe's Checkout page; the webhook is
// served behind the front door and refuses an unsigned event; the keys
// are never logged. Without the key the page says payments are off and
// the webhook is not served.
func TestServePayments(t *testing.T) {
	api := stripemock.URL(t)
	t.Setenv("MERCATO_STRIPE_SECRET_KEY", "sk_test_NeverLogged123")
	t.Setenv("MERCATO_STRIPE_WEBHOOK_SECRET", "whsec_NeverLogged456")
	f := newFront(t, store.SQLite, config.Defaults().Limits, func(c *config.Serve) { c.StripeAPI = api })
	c := f.session(f.w.C1b.User.ID)
	page := f.do("GET", "/invoices", "", c).must(t, http.StatusOK)
	if !strings.Contains(page.body, `id="save-payment-method"`) || !strings.Contains(page.header.Get("Content-Security-Policy"), "form-action 'self' https://checkout.stripe.com") {
		t.Fatalf("billing page without the button or the form policy:\n%s", page.body)
	}
	a := f.do("POST", "/billing/payment-method", "", c, "Content-Type: application/x-www-form-urlencoded")
	a.must(t, http.StatusSeeOther)
	if loc := a.header.Get("Location"); !strings.HasPrefix(loc, "https://checkout.stripe.com/") {
		t.Fatalf("redirected to %q, want Stripe Checkout", loc)
	}
	hook := f.do("POST", "/stripe/webhook", `{"id":"evt_1"}`, "Stripe-Signature: t=1,v1=00").must(t, http.StatusBadRequest)
	if !strings.Contains(hook.body, "Stripe-Signature") {
		t.Errorf("refusal does not name the header: %s", hook.body)
	}
	if log := f.log.String(); strings.Contains(log, "NeverLogged") {
		t.Errorf("a Stripe secret was logged:\n%s", log)
	}

	t.Setenv("MERCATO_STRIPE_SECRET_KEY", "")
	t.Setenv("MERCATO_STRIPE_WEBHOOK_SECRET", "")
	off := newFront(t, store.SQLite, config.Defaults().Limits)
	page = off.do("GET", "/invoices", "", off.session(off.w.C1b.User.ID)).must(t, http.StatusOK)
	if !strings.Contains(page.body, `id="payments-off"`) || strings.Contains(page.body, "save-payment-method") {
		t.Fatalf("billing page without payments:\n%s", page.body)
	}
	if a := off.do("POST", "/stripe/webhook", `{"id":"evt_1"}`, "Stripe-Signature: t=1,v1=00"); a.status == http.StatusBadRequest || a.status < 400 {
		t.Errorf("webhook without its secret answered %d", a.status)
	}
}
