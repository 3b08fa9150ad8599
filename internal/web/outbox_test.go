package web_test

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/notify"
)

// The operator's Outbox lists the messages kept without an SMTP server and
// shows each as its recipient sees it (the HTML part in a sandboxed
// frame, the text part); nobody else may read it.
func TestOutboxShowsKeptMessagesToTheOperator(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	if res := h.signIn(customer).post("/products/1/order", url.Values{"plan_id": {"2"}, "quantity": {"3"}, "nonce": {"o1"},
		"cfg.company_subdomain": {"adatum-outbox"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("order: %d", res.StatusCode)
	}
	svc := app.Notify(h.st, notify.WithPublicURL("https://market.example.com"))
	if _, err := svc.NotifyAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := mail.NewSender(h.st, nil, slog.New(slog.DiscardHandler), mail.Config{}).Drain(ctx); err != nil {
		t.Fatal(err)
	}
	kept, err := svc.Outbox(ctx, h.admin, mail.Filter{Status: mail.Kept})
	if err != nil || len(kept) == 0 {
		t.Fatalf("kept messages: %d %v", len(kept), err)
	}
	var m mail.Message
	for _, k := range kept {
		if k.Template == notify.OrderConfirmation && k.To == customer {
			m = k
		}
	}
	if m.ID == 0 {
		t.Fatalf("no order confirmation to %s among %d kept messages", customer, len(kept))
	}

	op := h.signIn(admin)
	list := op.get("/admin/outbox")
	if list.StatusCode != http.StatusOK || !strings.Contains(list.Body, `href="/admin/outbox/`+itoa(m.ID)+`"`) ||
		!strings.Contains(list.Body, html.EscapeString(m.Subject)) || !strings.Contains(list.Body, `data-status="kept"`) ||
		!strings.Contains(list.Body, `<a href="/admin/outbox" aria-current="page">Outbox</a>`) {
		t.Fatalf("outbox page: %d\n%s", list.StatusCode, list.Body)
	}
	if res := op.get("/admin/outbox?status=queued"); res.StatusCode != http.StatusOK || strings.Contains(res.Body, `data-status="kept"`) {
		t.Fatalf("queued only: %d", res.StatusCode)
	}
	if res := op.get("/admin/outbox?status=lost"); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a status that is none: %d", res.StatusCode)
	}
	page := op.get("/admin/outbox/" + itoa(m.ID))
	link := "https://market.example.com/subscriptions/"
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `sandbox="" srcdoc="`) ||
		!strings.Contains(page.Body, html.EscapeString(`<a href="`+link)) || !strings.Contains(page.Body, "View your order: "+link) {
		t.Fatalf("message page: %d\n%s", page.StatusCode, page.Body)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "style-src 'self' 'unsafe-inline'") || !strings.Contains(csp, "script-src 'self'") {
		t.Fatalf("message page policy: %s", csp)
	}

	for _, email := range []string{customer, vendor, reseller, distributor} {
		c := h.signIn(email)
		for _, p := range []string{"/admin/outbox", "/admin/outbox/" + itoa(m.ID)} {
			if res := c.get(p); res.StatusCode != http.StatusForbidden || strings.Contains(res.Body, m.Subject) {
				t.Errorf("%s GET %s: %d, want 403", email, p, res.StatusCode)
			}
		}
	}
	if res := op.get("/admin/outbox/999999"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("no such message: %d", res.StatusCode)
	}
}
