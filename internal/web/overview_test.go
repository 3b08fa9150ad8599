package web_test

import (
	"context"
	"encoding/base64"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/overview"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/web"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// newHarnessAt is newHarness with the marketplace's clock at start (the
// demo seeded then), so that "this month" is a month of the test's.
func newHarnessAt(t *testing.T, start time.Time) *harness {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	st.Now = storetest.Clock(start)
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := demo.SetPasswords(ctx, st); err != nil {
		t.Fatal(err)
	}
	admin, err := st.Authenticate(ctx, demo.PlatformToken)
	if err != nil {
		t.Fatal(err)
	}
	buf := &syncBuffer{}
	panel, err := web.New(app.New(st, app.Options{}).Web(), slog.New(slog.NewTextHandler(buf, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(panel.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if strings.Contains(buf.String(), "level=ERROR") {
			t.Errorf("errors logged:\n%s", buf.String())
		}
	})
	return &harness{t: t, st: st, srv: srv, log: buf, admin: admin}
}

var chartImage = regexp.MustCompile(`<img src="data:image/svg&#43;xml;base64,([^"]+)" alt="([^"]*)"`)

// The overview draws the business as four SVG charts, each with its
// figures in a table (the month of the clock last), and tells which
// webhook endpoint fails, with its last error and next try.
func TestOverviewChartsAndWebhookHealth(t *testing.T) {
	h := newHarnessAt(t, storetest.Epoch)
	ctx := context.Background()
	op := h.signIn(admin)
	op.runBilling(billing.MonthOf(storetest.Epoch).String())
	// An endpoint of the vendor answers 500 to everything.
	hooks := webhooks.New(h.st, store.TxFunc[webhooks.Tx](h.st))
	vendorP, err := app.New(h.st, app.Options{}).Accounts.CheckPassword(ctx, vendor, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err = hooks.CreateEndpoint(ctx, vendorP, syndication.Endpoint{URL: "https://broken.example.org/hook"}); err != nil {
		t.Fatal(err)
	}
	if res := h.signIn(customer).post("/products/1/order", url.Values{"plan_id": {"2"}, "quantity": {"1"}, "nonce": {"ov1"},
		"cfg.company_subdomain": {"adatum-overview"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("order: %d", res.StatusCode)
	}
	due, err := h.st.ClaimDeliveries(ctx, 500, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	retry := h.st.Now().Add(5 * time.Minute)
	var results []store.Result
	for _, d := range due {
		results = append(results, store.Result{NextAttempt: retry, Event: d.Event, Attempt: syndication.Attempt{DeliveryID: d.ID,
			EndpointID: d.Endpoint.ID, EventID: d.Event.ID, AttemptedAt: h.st.Now(), StatusCode: 500, Error: "upstream exploded"}})
	}
	if err := h.st.RecordResults(ctx, results); err != nil {
		t.Fatal(err)
	}

	page := op.get("/admin")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("overview: %d\n%s", page.StatusCode, page.Body)
	}
	images := chartImage.FindAllStringSubmatch(page.Body, -1)
	if len(images) != 4 {
		t.Fatalf("%d chart images, want 4:\n%s", len(images), page.Body)
	}
	for _, m := range images {
		svg, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err != nil || !strings.HasPrefix(string(svg), "<svg") || !strings.Contains(string(svg), "Feb 2026") {
			t.Errorf("chart %q is not an SVG of months up to Feb 2026 (%v):\n%.300s", m[2], err, svg)
		}
	}
	if n := strings.Count(page.Body, "<table>\n<caption"); n != 4 {
		t.Errorf("%d chart tables, want 4", n)
	}
	rep, err := overview.New(h.st).Report(ctx, h.admin)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.MRR) == 0 || !rep.MRR[0].Amounts[overview.Months-1].IsPositive() {
		t.Fatalf("the demo has no recurring revenue this month: %+v", rep.MRR)
	}
	mrr := billing.Money(rep.MRR[0].Amounts[overview.Months-1], rep.MRR[0].Currency)
	if want := `<tr><th scope="row">Feb 2026</th><td class="num">` + rep.MRR[0].Currency + " " + mrr + `</td>`; !strings.Contains(page.Body, want) {
		t.Errorf("the MRR table lacks %s", want)
	}
	health := page.Body[strings.Index(page.Body, `id="webhook-health"`):]
	health = health[:strings.Index(health, "</section>")]
	broken := health[strings.Index(health, "broken.example.org"):]
	if !strings.Contains(health, `<span class="badge wait">failing</span>`) || !strings.Contains(broken, "HTTP 500 — upstream exploded") ||
		!strings.Contains(broken, "next try <time datetime=\""+retry.UTC().Format(time.RFC3339)) {
		t.Errorf("webhook health does not tell the failing endpoint:\n%s", health)
	}
	if strings.Index(health, "broken.example.org") > strings.Index(health, "badge ok") && strings.Contains(health, "badge ok") {
		t.Errorf("the failing endpoint is not listed first:\n%s", health)
	}
	// The notifications tell of it too, rather than "Nothing to report".
	notes := page.Body[strings.Index(page.Body, `id="notifications"`):]
	notes = notes[:strings.Index(notes, "</ul>")]
	if strings.Contains(notes, "Nothing to report") || !strings.Contains(notes, "Webhook endpoints failing or disabled: 1.") {
		t.Errorf("notifications: %s", notes)
	}
	if res := h.signIn(customer).get("/admin"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a customer reads the overview: %d", res.StatusCode)
	}

	// In Italian: the months, the titles and the health.
	if res := op.post("/language", url.Values{"lang": {"it"}, "next": {"/admin"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("language: %d", res.StatusCode)
	}
	it := op.get("/admin")
	if !strings.Contains(it.Body, `<th scope="row">feb 2026</th>`) || !strings.Contains(it.Body, "Ricavi ricorrenti mensili") || !strings.Contains(it.Body, "prossimo tentativo") {
		t.Errorf("the overview is not in Italian:\n%s", visibleText(it.Body))
	}
}
