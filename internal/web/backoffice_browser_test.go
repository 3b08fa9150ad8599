package web_test

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/web"
)

// TestBackOfficeInBrowser walks the operator's jobs in Chromium: the
// overview's charts (drawn as images, their figures in a table that
// opens), an order that needs approval approved, its provisioning failed
// and retried, a customer organization created with its admin invited, an
// API token created, shown once and revoked; then, in Italian, the
// overview and a suspension and resumption.
func TestBackOfficeInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium(t)
	bg := context.Background()
	st := storetest.Open(t, store.SQLite)
	st.Now = storetest.Clock(storetest.Epoch)
	if _, err := demo.Seed(bg, st); err != nil {
		t.Fatal(err)
	}
	if err := demo.SetPasswords(bg, st); err != nil {
		t.Fatal(err)
	}
	svcs := app.New(st, app.Options{})
	panel, err := web.New(svcs.Web(), slog.New(slog.DiscardHandler), web.WithInsecureCookies())
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	srv := &http.Server{Handler: panel.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { _ = srv.Close() })

	// An order of a product that needs approval, waiting for the operator.
	opP, err := st.Authenticate(bg, demo.PlatformToken)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	if _, err := svcs.Catalog.UpdateProduct(bg, opP, 1, listing.ProductUpdate{RequiresApproval: &yes}); err != nil {
		t.Fatal(err)
	}
	custP, err := svcs.Accounts.CheckPassword(bg, customer, demo.Password)
	if err != nil {
		t.Fatal(err)
	}
	o, err := svcs.Ordering.PlaceOrder(bg, custP, subscription.OrderRequest{PlanID: 2, Quantity: 1, Configuration: map[string]any{"company_subdomain": "adatum-approval"}})
	if err != nil {
		t.Fatal(err)
	}
	subURL := base + "/subscriptions/" + itoa(o.SubscriptionID)

	ctx := browser(t)
	signInAs(t, ctx, base, admin)
	var loaded bool
	var caption, firstMonth string
	run(t, ctx, "the overview's charts",
		chromedp.Navigate(base+"/admin"),
		chromedp.WaitVisible(chromedp.CSS("#chart-3 img")),
		chromedp.Poll[chromedp.Void](`[...document.querySelectorAll('.chart img')].every(i => i.complete && i.naturalWidth > 0)`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
		into(&loaded, chromedp.Evaluate[bool](`document.querySelectorAll('.chart img').length === 4`)),
		chromedp.Click(chromedp.CSS("#chart-0 summary")),
		chromedp.WaitVisible(chromedp.CSS("#chart-0 table")),
		into(&caption, chromedp.Text(chromedp.CSS("#chart-0 h2"))),
		into(&firstMonth, chromedp.Text(chromedp.CSS("#chart-0 tbody tr:last-child th"))),
	)
	screenshot(t, ctx, "backoffice-overview")
	if !loaded || caption != "Monthly recurring revenue" || firstMonth != "Feb 2026" {
		t.Fatalf("overview: 4 images %v, %q, last month %q", loaded, caption, firstMonth)
	}

	run(t, ctx, "approve the order",
		chromedp.Navigate(subURL),
		chromedp.Click(chromedp.CSS("#op-approve")),
		chromedp.WaitVisible(chromedp.CSS("#op-fail")),
	)
	run(t, ctx, "mark its provisioning failed", chromedp.Click(chromedp.CSS("#op-fail")), chromedp.WaitVisible(chromedp.CSS("#op-retry")))
	run(t, ctx, "retry it", chromedp.Click(chromedp.CSS("#op-retry")), chromedp.WaitVisible(chromedp.CSS("#op-fail")))
	if sub, err := st.Subscription(bg, opP, o.SubscriptionID); err != nil || sub.Status != subscription.Pending {
		t.Fatalf("after approve, fail, retry: %s %v", sub.Status, err)
	}

	var flash string
	run(t, ctx, "create an organization",
		chromedp.Navigate(base+"/admin/organizations"),
		chromedp.WaitVisible(chromedp.CSS("#new-organization")),
		setField("#kind", "customer"),
		chromedp.SendKeys(chromedp.CSS("#new-organization #name"), "Woodgrove Bank"),
		chromedp.SendKeys(chromedp.CSS("#new-organization #country"), "IT"),
		chromedp.SendKeys(chromedp.CSS("#admin_email"), "admin@woodgrove.example"),
		chromedp.Click(chromedp.CSS("#create-organization")),
		chromedp.WaitVisible(chromedp.CSS("#organization-name")),
		into(&flash, chromedp.Text(chromedp.CSS(".flash"))),
	)
	if !strings.Contains(flash, "admin@woodgrove.example") {
		t.Fatalf("created organization's flash: %q", flash)
	}

	var secret string
	run(t, ctx, "create an API token",
		chromedp.Navigate(base+"/tokens"),
		chromedp.SendKeys(chromedp.CSS("#token-name"), "browser walk"),
		chromedp.Click(chromedp.CSS("#create-token")),
		chromedp.WaitVisible(chromedp.CSS("#token-secret")),
		into(&secret, chromedp.Text(chromedp.CSS("#token-secret"))),
	)
	tokenP, err := st.Authenticate(bg, secret)
	if err != nil || tokenP.UserID != opP.UserID {
		t.Fatalf("the token shown does not authenticate: %v", err)
	}
	tokens, err := svcs.Accounts.ListTokens(bg, opP)
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, tk := range tokens {
		if tk.Name == "browser walk" {
			row = "#token-" + itoa(tk.ID)
		}
	}
	run(t, ctx, "revoke it",
		chromedp.Click(chromedp.CSS(strings.Replace(row, "#token-", "#revoke-", 1))),
		chromedp.WaitVisible(chromedp.CSS("#tokens")),
		chromedp.WaitNotPresent(chromedp.CSS(row)),
	)
	if _, err := st.Authenticate(bg, secret); err == nil {
		t.Fatal("the revoked token still works")
	}

	// In Italian.
	subs, _, err := st.ListSubscriptions(bg, opP, store.SubscriptionFilter{}, store.Page{})
	if err != nil || len(subs) == 0 || subs[0].Status != subscription.Deployed {
		t.Fatalf("the demo's deployed subscription: %v %v", subs, err)
	}
	deployed := "/subscriptions/" + itoa(subs[0].ID)
	var titolo, mese string
	run(t, ctx, "switch to Italian",
		chromedp.Navigate(base+"/admin"),
		chromedp.Click(chromedp.CSS(`form[action="/language"] button[value="it"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="it"] #chart-0`)),
		into(&titolo, chromedp.Text(chromedp.CSS("#chart-0 h2"))),
		into(&mese, chromedp.TextContent(chromedp.CSS("#chart-0 tbody tr:last-child th"))),
	)
	if titolo != "Ricavi ricorrenti mensili" || mese != "feb 2026" {
		t.Fatalf("Italian overview: %q, %q", titolo, mese)
	}
	var suspend string
	run(t, ctx, "sospendi",
		chromedp.Navigate(base+deployed),
		into(&suspend, chromedp.Text(chromedp.CSS("#op-suspend"))),
		chromedp.Click(chromedp.CSS("#op-suspend")),
		chromedp.WaitVisible(chromedp.CSS("#op-resume")),
	)
	run(t, ctx, "riattiva", chromedp.Click(chromedp.CSS("#op-resume")), chromedp.WaitVisible(chromedp.CSS("#op-suspend")))
	if sub, err := st.Subscription(bg, opP, subs[0].ID); suspend != "Sospendi" || err != nil || sub.Status != subscription.Deployed {
		t.Fatalf("Italian suspend %q, then %s %v", suspend, sub.Status, err)
	}
	signOut(t, ctx)
}
