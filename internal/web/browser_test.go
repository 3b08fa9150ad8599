package web_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/armproduct"
	"github.com/mercato-market/mercato/internal/connector/microsoft"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/emulator/partnercenter"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	pcclient "github.com/mercato-market/mercato/internal/partnercenter"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/web"
)

// chromium finds Debian's Chromium (or MERCATO_CHROMIUM). Without it the
// browser tests skip, saying why, except under CI=true, where they fail.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("MERCATO_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is required under CI: apt-get install -y chromium (or set MERCATO_CHROMIUM)")
		}
		t.Skip("no Chromium: apt-get install -y chromium, or set MERCATO_CHROMIUM; CI runs these tests")
	}
	return path
}

// serveStack runs what `serve --demo` runs, in process: the API, the
// control panel, webhook delivery and the sample vendor, on loopback.
func serveStack(t *testing.T) (baseURL string, st *store.Store) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st = storetest.Open(t, store.SQLite)
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := demo.SetPasswords(ctx, st); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	policy := syndication.URLPolicy{AllowPrivate: true}
	d := dispatch.New(st, log, dispatch.Config{AllowPrivate: true})
	st.OnEvents(d.Wake)
	panel, err := app.NewWeb(st, log, web.WithURLPolicy(policy), web.WithTestEvent(d.SendTest))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	apiHandler := app.NewAPI(st, log, api.WithWebhooks(policy, d.SendTest))
	for _, p := range []string{"/api/", "/openapi.json", "/healthz", "/readyz"} {
		mux.Handle(p, apiHandler)
	}
	mux.Handle("/", panel.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	baseURL = "http://" + ln.Addr().String()
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	if _, err := demo.StartVendor(ctx, st, baseURL+"/api/", log); err != nil {
		t.Fatal(err)
	}
	startMicrosoft(t, ctx, st, baseURL, log)
	t.Cleanup(func() {
		cancel()
		<-done
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	})
	return baseURL, st
}

// startMicrosoft runs what `serve --demo` runs for Microsoft products
// (cli/serve_microsoft.go): the Entra ID and Partner Center emulators and
// the Microsoft connector, with the demo's Microsoft products' webhooks
// pointed at it.
func startMicrosoft(t *testing.T, ctx context.Context, st *store.Store, baseURL string, log *slog.Logger) {
	t.Helper()
	em, err := entra.New(entra.DemoConfig(), entra.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	pc := partnercenter.New(partnercenter.Config{
		Verifier: entra.NewVerifier(em.Keys(), entra.PartnerCenterResource), Log: log,
		OnCustomerCreated: func(c partnercenter.Customer) {
			_ = em.AddTenant(entra.Tenant{ID: c.ID, Domains: []string{c.CompanyProfile.Domain}})
		},
	})
	entraSrv, pcSrv := httptest.NewServer(em.Handler()), httptest.NewServer(pc.Handler())
	t.Cleanup(entraSrv.Close)
	t.Cleanup(pcSrv.Close)
	client, err := pcclient.New(pcclient.Config{BaseURL: pcSrv.URL, LoginURL: entraSrv.URL, TenantID: entra.DemoTenantID,
		ClientID: entra.DemoClientID, ClientSecret: entra.DemoClientSecret, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	var conn atomic.Pointer[microsoft.Connector] // known once the endpoints' secrets are
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := conn.Load()
		if c == nil {
			http.Error(w, "starting", http.StatusServiceUnavailable) // retried
			return
		}
		c.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(hooks.Close)
	secrets, err := demo.RegisterMicrosoft(ctx, st, hooks.URL+demo.MicrosoftPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := microsoft.New(microsoft.Config{API: baseURL, Token: demo.VendorToken(), Secrets: secrets, PartnerCenter: client, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	conn.Store(c)
}

// browser starts headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		// The harness serves the panel over TLS with a test certificate.
		chromedp.Flag("ignore-certificate-errors", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 800),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// A 1280×800 viewport, whatever the window's frame takes.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// screenshot saves the browser's viewport (1280×800, or the phone's) as
// NAME.png in MERCATO_SCREENSHOTS when set (a path relative to the
// module's root, e.g. docs/screenshots, as the README shows them), else
// in the test's temporary directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("MERCATO_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// moduleRoot is the directory of go.mod above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v\npage: %.800s", what, err, body)
	}
}

func signInAs(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	run(t, ctx, "sign in as "+email,
		chromedp.Navigate(base+"/signin"),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/signin"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"]`)),
	)
}

func signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	// Wait for the sign-in form, not for an #email field: the page signed
	// out of may have one of its own (the users page's invite form), and a
	// navigation started while the sign-out's is still loading is aborted.
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/signin"] #email`)))
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium(t)
	base, st := serveStack(t)
	ctx := browser(t)
	bg := context.Background()
	admin, err := st.Authenticate(bg, demo.PlatformToken)
	if err != nil {
		t.Fatal(err)
	}

	// A customer buys the demo SaaS app with a configuration value.
	signInAs(t, ctx, base, customer)
	run(t, ctx, "catalog", chromedp.Navigate(base+"/catalog"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, "catalog")
	// 3 seats × 8.00 + 50.00 setup through the distributor's and the
	// reseller's markups: the live price is the quote API's figure.
	q, err := app.Ordering(st).Quote(bg, mercato.Principal{OrgID: 5, OrgKind: mercato.KindCustomer}, ordering.QuoteRequest{PlanID: 2, Quantity: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := "EUR " + q.Total.StringFixed(2)
	run(t, ctx, "checkout",
		chromedp.Navigate(base+"/products/1"),
		chromedp.SetValue(chromedp.CSS("#plan_id"), "2"),
		chromedp.SetValue(chromedp.CSS("#quantity"), ""),
		chromedp.SendKeys(chromedp.CSS("#quantity"), "3"),
		chromedp.SendKeys(chromedp.CSS(`input[name="cfg.company_subdomain"]`), "adatum-browser"),
		chromedp.Poll[chromedp.Void](`(document.querySelector('[data-testid=total]')||{}).textContent === '`+want+`'`, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
	)
	screenshot(t, ctx, "product")
	run(t, ctx, "place the order",
		chromedp.Click(chromedp.CSS(`#order button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#status`)),
	)
	var loc string
	run(t, ctx, "location", into(&loc, chromedp.Location()))
	var subID int64
	if _, err := fmt.Sscanf(loc[strings.LastIndex(loc, "/")+1:], "%d", &subID); err != nil {
		t.Fatalf("subscription page %s", loc)
	}
	// The sample vendor deploys it; the page, left as it is (it polls
	// itself while the application is being set up), shows Launch once it
	// is DEPLOYED.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	err = chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(`#launch`)))
	cancel()
	if err != nil {
		sub, _ := st.Subscription(bg, admin, subID)
		t.Fatalf("no Launch button without a reload; subscription is %s: %v", sub.Status, err)
	}
	prov, err := provisioning.New(st, store.TxFunc[provisioning.Tx](st)).Provisioning(bg, admin, subID)
	if err != nil {
		t.Fatal(err)
	}
	appURL := ""
	for _, e := range prov.Endpoints {
		if e.Category == subscription.CategoryApp {
			appURL = e.Endpoint
		}
	}
	var status string
	run(t, ctx, "status", into(&status, chromedp.Text(chromedp.CSS("#status"))))
	if status != "running" || appURL == "" {
		t.Fatalf("status %q, app %q", status, appURL)
	}
	screenshot(t, ctx, "subscription")
	// Launch opens the app in a new tab.
	opened := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool {
		return info.URL != "" && strings.HasPrefix(info.URL, strings.TrimSuffix(appURL, "/"))
	})
	run(t, ctx, "launch", chromedp.Click(chromedp.CSS("#launch")))
	select {
	case id := <-opened:
		if id == "" {
			t.Fatal("Launch opened no tab")
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("Launch did not open %s", appURL)
	}

	// Seats, a message, a rating.
	var qty string
	run(t, ctx, "change seats",
		chromedp.SetValue(chromedp.CSS("#seats"), "5"),
		chromedp.Click(chromedp.CSS(`form[action$="/seats"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		into(&qty, chromedp.Text(chromedp.CSS("#quantity"))),
	)
	if !strings.HasPrefix(qty, "5") {
		t.Fatalf("quantity shows %q", qty)
	}
	run(t, ctx, "send a message",
		chromedp.SendKeys(chromedp.CSS("#body"), "Hello Contoso, can we have single sign-on?"),
		chromedp.Click(chromedp.CSS(`form[action$="/messages"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".thread .msg")),
	)
	run(t, ctx, "rate the product",
		chromedp.Navigate(base+"/products/1#reviews"),
		chromedp.Click(chromedp.CSS(`input[name=rating][value="5"]`)),
		chromedp.SendKeys(chromedp.CSS("#review-body"), "Set up in minutes."),
		chromedp.Click(chromedp.CSS(`.review-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`.reviews li`)),
	)

	// Microsoft 365 seats: the connector orders them from Partner Center
	// (the emulator) for the customer's tenant domain.
	run(t, ctx, "buy Microsoft 365 seats",
		chromedp.Navigate(base+"/products/2"),
		chromedp.SetValue(chromedp.CSS("#quantity"), ""),
		chromedp.SendKeys(chromedp.CSS("#quantity"), "3"),
		chromedp.SendKeys(chromedp.CSS(`input[name="cfg.domain"]`), "adatumtest.onmicrosoft.com"),
		chromedp.Click(chromedp.CSS(`#order button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#status`)),
	)
	var msLoc string
	run(t, ctx, "location", into(&msLoc, chromedp.Location()))
	waitStatus(t, ctx, st, admin, msLoc, "running", 30*time.Second)
	sub := subscriptionAt(t, st, admin, msLoc)
	if sub.Status != subscription.Deployed || sub.Quantity != 3 || sub.Configuration["domain"] != "adatumtest.onmicrosoft.com" {
		t.Fatalf("Microsoft 365 subscription %+v", sub)
	}
	run(t, ctx, "dashboard", chromedp.Navigate(base+"/subscriptions"), chromedp.WaitVisible(chromedp.CSS(`li[data-subscription="`+fmt.Sprint(sub.ID)+`"]`)))
	screenshot(t, ctx, "applications")

	// Cancel.
	run(t, ctx, "cancel",
		chromedp.Navigate(loc),
		chromedp.Click(chromedp.CSS("details.danger summary")),
		chromedp.Click(chromedp.CSS("#cancel")),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
		into(&status, chromedp.Text(chromedp.CSS("#status"))),
	)
	if status != "cancelling" && status != "cancelled" {
		t.Fatalf("status after cancel %q", status)
	}
	signOut(t, ctx)

	// The operator closes the month on the billing page.
	signInAs(t, ctx, base, store.PlatformAdminEmail)
	run(t, ctx, "operator overview", chromedp.Navigate(base+"/admin"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, "admin")
	var flash string
	run(t, ctx, "billing run",
		chromedp.Navigate(base+"/invoices"),
		chromedp.Click(chromedp.CSS(`#billing-run button`)),
		chromedp.WaitVisible(chromedp.CSS(`#run-progress`)),
		into(&flash, chromedp.Text(chromedp.CSS(".flash"))),
		// The run's page follows it (htmx, every second) until it ends.
		chromedp.WaitVisible(chromedp.CSS(`#run-progress[data-status="finished"] #run-result`)),
	)
	if !strings.Contains(flash, "started") {
		t.Fatalf("billing run: %q", flash)
	}
	run(t, ctx, "billing runs", chromedp.Navigate(base+"/invoices"), chromedp.WaitVisible(chromedp.CSS(`#runs-table tr[data-run]`)))
	screenshot(t, ctx, "billing")
	signOut(t, ctx)

	// The customer finds the invoice and downloads its PDF.
	signInAs(t, ctx, base, customer)
	run(t, ctx, "invoices", chromedp.Navigate(base+"/invoices"), chromedp.WaitVisible(chromedp.CSS(`#invoice-list a.pdf`)))
	screenshot(t, ctx, "invoices")
	var download string
	run(t, ctx, "download the PDF", into(&download, chromedp.Evaluate[string](`(async () => {
		const r = await fetch(document.querySelector('#invoice-list a.pdf').href);
		const head = new Uint8Array(await r.arrayBuffer()).slice(0, 5);
		return r.status + ' ' + r.headers.get('content-type') + ' ' + r.headers.get('content-disposition') + ' ' + String.fromCharCode(...head);
	})()`, chromedp.EvalAwaitPromise)))
	if !strings.HasPrefix(download, "200 application/pdf attachment; filename=\"INV-") || !strings.HasSuffix(download, "%PDF-") {
		t.Fatalf("PDF download: %q", download)
	}
	signOut(t, ctx)

	// The vendor reads the message and creates a graduated plan with the preview.
	signInAs(t, ctx, base, vendor)
	var badge, thread string
	run(t, ctx, "vendor reads the message",
		chromedp.Navigate(base+"/messages"),
		into(&badge, chromedp.Text(chromedp.CSS(`header nav .count`))),
		chromedp.Click(chromedp.CSS(`main table a`)),
		chromedp.WaitVisible(chromedp.CSS(".thread .msg")),
		into(&thread, chromedp.Text(chromedp.CSS(".thread"))),
	)
	if badge != "1" || !strings.Contains(thread, "single sign-on") {
		t.Fatalf("vendor's unread badge %q, thread %q", badge, thread)
	}
	run(t, ctx, "graduated plan preview",
		chromedp.Navigate(base+"/vendor/products/1/plans/new"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Graduated seats"),
		setField("#model", "graduated"),
		setField("#unit_amount", ""),
		setField(`tr[data-tier="0"] input[name=tier_up_to]`, "10"),
		setField(`tr[data-tier="0"] input[name=tier_unit_amount]`, "5.00"),
		setField(`tr[data-tier="1"] input[name=tier_unit_amount]`, "4.00"),
		setField("#quantities", "1, 12"),
		chromedp.Poll[chromedp.Void](`(document.querySelector('#preview tr[data-quantity="12"]')||{textContent:''}).textContent.includes('EUR 58.00')`, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
	)
	screenshot(t, ctx, "plan-editor")
	run(t, ctx, "save the plan", chromedp.Click(chromedp.CSS(`#plan button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(".flash")))
	plans, _, err := st.ListPlans(bg, admin, 1, nil, store.Page{Limit: 50})
	if err != nil || plans[len(plans)-1].Name != "Graduated seats" || plans[len(plans)-1].Pricing.Model != "graduated" {
		t.Fatalf("plan not saved: %+v %v", plans[len(plans)-1], err)
	}
	run(t, ctx, "vendor products", chromedp.Navigate(base+"/vendor/products"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, "vendor-products")
	// The vendor's earnings by month: the chart drawn on the server, its
	// image loaded, its figures in the table under it.
	var drawn bool
	run(t, ctx, "vendor's earnings chart", chromedp.Navigate(base+"/invoices#earnings-chart"), chromedp.WaitVisible(chromedp.CSS("#earnings-chart img")),
		chromedp.Poll[chromedp.Void](`(() => { const i = document.querySelector('#earnings-chart img'); return i.complete && i.naturalWidth > 0; })()`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
		into(&drawn, chromedp.Evaluate[bool](`document.querySelectorAll('#earnings-chart tbody tr').length === 12`)))
	if !drawn {
		t.Fatal("the vendor's earnings chart has not 12 months")
	}
	screenshot(t, ctx, "earnings-chart")
	var hook string
	run(t, ctx, "webhooks", chromedp.Navigate(base+"/webhooks"), chromedp.WaitVisible(chromedp.CSS(`main a[href^="/webhooks/"]`)),
		into(&hook, chromedp.Evaluate[string](`document.querySelector('main a[href^="/webhooks/"]').href`)))
	screenshot(t, ctx, "webhooks")
	run(t, ctx, "delivery log", chromedp.Navigate(hook), chromedp.WaitVisible(chromedp.CSS("main h1")))
	screenshot(t, ctx, "delivery-log")

	// The vendor uploads an ARM template with a parameter mapping and
	// sees the checkout form it makes.
	run(t, ctx, "ARM template upload",
		chromedp.Navigate(base+"/vendor/products/5"),
		chromedp.Click(chromedp.CSS("#arm-link")),
		chromedp.WaitVisible(chromedp.CSS("#template")),
		setField("#template", siteTemplate),
		chromedp.Click(chromedp.CSS("#read")),
		chromedp.WaitVisible(chromedp.CSS(`tr[data-param="siteName"]`)),
		setField(`[name="source.tier"]`, "buyer"),
		setField(`[name="label.tier"]`, "Service tier"),
		setField(`[name="source.workers"]`, "fixed"),
		setField(`[name="value.workers"]`, "3"),
		setField(`#launch_output`, "siteUrl"),
		chromedp.Poll[chromedp.Void](`(() => { const p = document.querySelector('#form-preview'); return !!p && p.textContent.includes('Service tier') && !p.querySelector('[name="cfg.workers"]'); })()`,
			chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
	)
	run(t, ctx, "scroll to the mapping", chromedp.ScrollIntoView(chromedp.CSS("#mapping")))
	screenshot(t, ctx, "arm-template")
	run(t, ctx, "save the template", chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS(".flash")))
	wp, err := st.Product(bg, admin, 5)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, f := range wp.Parameters {
		fields = append(fields, f.Name+":"+f.Label)
	}
	if strings.Join(fields, ",") != "global_prefix:Resource name prefix,siteName:siteName,tier:Service tier" ||
		!strings.Contains(wp.Metadata[armproduct.MetaParameters], `"workers":{"source":"fixed","value":3}`) || wp.Metadata[armproduct.MetaLaunchOutput] != "siteUrl" {
		t.Fatalf("ARM product after the upload: %v %v", fields, wp.Metadata)
	}
	signOut(t, ctx)

	// A reseller sets a markup; its customer sees the marked-up price.
	signInAs(t, ctx, base, reseller)
	run(t, ctx, "set a markup",
		chromedp.Navigate(base+"/channel/prices"),
		setField(`tr[data-plan="1"] select`, "percentage"),
		setField(`tr[data-plan="1"] input[name=value]`, "40"),
		chromedp.Click(chromedp.CSS(`tr[data-plan="1"] button`)),
		chromedp.WaitVisible(chromedp.CSS(".flash")),
	)
	screenshot(t, ctx, "price-list")
	signOut(t, ctx)
	q, err = app.Ordering(st).Quote(bg, mercato.Principal{OrgID: 5, OrgKind: mercato.KindCustomer}, ordering.QuoteRequest{PlanID: 1, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	// 29.00 × 1.10 (distributor) × 1.40 (reseller) = 44.66
	if q.Total.StringFixed(2) != "44.66" {
		t.Fatalf("marked-up quote %s", q.Total)
	}
	signInAs(t, ctx, base, customer)
	var prices string
	run(t, ctx, "customer sees the marked-up price", chromedp.Navigate(base+"/products/1"), into(&prices, chromedp.Text(chromedp.CSS("main table"))))
	if !strings.Contains(prices, "EUR 44.66") {
		t.Fatalf("product page prices: %s", prices)
	}
	signOut(t, ctx)

	// Another customer cannot open the subscription by its URL.
	signInAs(t, ctx, base, otherCustomer)
	var body string
	run(t, ctx, "foreign subscription", chromedp.Navigate(loc), into(&body, chromedp.Text(chromedp.CSS("main"))))
	if !strings.Contains(body, "Not found") || strings.Contains(body, "adatum-browser") {
		t.Fatalf("foreign subscription page: %s", body)
	}

	// In Italian: the switch on the sign-in page, then the customer's
	// catalog, live price and application in Italian words.
	signOut(t, ctx)
	var heading, total, status2, lang string
	run(t, ctx, "switch to Italian",
		chromedp.Click(chromedp.CSS(`form[action="/language"] button[value="it"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="it"] #email`)),
		into(&heading, chromedp.Text(chromedp.CSS("main h1"))),
	)
	if heading != "Accedi a Mercato" {
		t.Fatalf("Italian sign-in page: %q", heading)
	}
	// The demo user has a language of its own (English), which wins over
	// the cookie: the switch, signed in, makes Italian the user's.
	signInAs(t, ctx, base, customer)
	run(t, ctx, "switch to Italian, signed in",
		chromedp.Click(chromedp.CSS(`form[action="/language"] button[value="it"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="it"] form[action="/signout"]`)),
	)
	run(t, ctx, "Italian checkout",
		chromedp.Navigate(base+"/products/1"),
		chromedp.SetValue(chromedp.CSS("#plan_id"), "1"),
		chromedp.SetValue(chromedp.CSS("#quantity"), ""),
		chromedp.SendKeys(chromedp.CSS("#quantity"), "1"),
		chromedp.Poll[chromedp.Void](`(document.querySelector('[data-testid=total]')||{}).textContent === '44,66\u00a0€'`, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)),
		into(&lang, chromedp.Evaluate[string](`document.documentElement.lang`)),
	)
	screenshot(t, ctx, "product-it")
	run(t, ctx, "Italian subscription", chromedp.Navigate(loc), into(&status2, chromedp.Text(chromedp.CSS("#status"))),
		into(&total, chromedp.Text(chromedp.CSS("main h2"))))
	// The application was cancelled above: its status in Italian words.
	if lang != "it" || (status2 != "annullata" && status2 != "in annullamento") || total != "Dettagli" {
		t.Fatalf("Italian subscription page: lang %q, status %q, heading %q", lang, status2, total)
	}

	// A phone-sized screen.
	run(t, ctx, "phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+"/catalog"))
	screenshot(t, ctx, "catalog-phone")
	if errors.Is(ctx.Err(), context.Canceled) {
		t.Fatal("browser closed early")
	}
}

// waitStatus reloads a subscription page until its status reads want.
func waitStatus(t *testing.T, ctx context.Context, st *store.Store, p mercato.Principal, loc, want string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var status string
		run(t, ctx, "reload", chromedp.Navigate(loc), into(&status, chromedp.Text(chromedp.CSS("#status"))))
		if status == want {
			return
		}
		if time.Now().After(deadline) {
			sub := subscriptionAt(t, st, p, loc)
			t.Fatalf("%s shows %q, not %q; subscription is %s", loc, status, want, sub.Status)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func subscriptionAt(t *testing.T, st *store.Store, p mercato.Principal, loc string) subscription.Subscription {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(loc[strings.LastIndex(loc, "/")+1:], "%d", &id); err != nil {
		t.Fatalf("subscription page %s", loc)
	}
	sub, err := st.Subscription(context.Background(), p, id)
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// into runs a with a value and keeps the value in dst.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}

// setField sets a form field's value as typing would, firing input and
// change events (htmx listens to them).
func setField(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const el = document.querySelector(%q); el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, value))
}
