package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// axeResult is what the audit script returns: axe-core's violations, each
// with the elements it found them on.
type axeResult struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target  []any  `json:"target"`
			Summary string `json:"failureSummary"`
		} `json:"nodes"`
	} `json:"violations"`
}

// axeSource is axe-core's script (internal/web/axe, installed with npm ci
// from its lock file; here too when it is not yet, as .ci/run does).
func axeSource(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("axe")
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(script); err != nil {
		npm, err := exec.LookPath("npm")
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("npm is required under CI to install axe-core: %v", err)
			}
			t.Skipf("axe-core is not installed (npm ci in %s) and npm is absent", dir)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// audit runs axe-core's rules (all of them but the experimental ones, as
// axe.run does by default) on the page the browser shows and returns one
// line per violation and element.
func audit(t *testing.T, ctx context.Context, src string) []string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	raw, err := chromedp.Run(tctx, chromedp.Evaluate[string](`(async () => {
		if (!window.axe) { (0, eval)(`+jsString(src)+`); }
		const r = await axe.run(document, {resultTypes: ['violations']});
		return JSON.stringify({violations: r.violations});
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	var res axeResult
	if err := json.Unmarshal([]byte(raw), &res); err != nil {
		t.Fatalf("axe-core's answer: %v", err)
	}
	var out []string
	for _, v := range res.Violations {
		for _, n := range v.Nodes {
			out = append(out, fmt.Sprintf("%s (%s, %s) at %v: %s", v.ID, v.Impact, v.Help, n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
	}
	return out
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestAccessibility: axe-core, injected into every page of every role
// (and the pages before signing in), in English and in Italian, reports no
// violation; and on a phone-sized screen no control of those pages lies
// beyond the right edge.
func TestAccessibility(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium(t)
	src := axeSource(t)
	h := newOIDCHarness(t).harness // the sign-in page with "Sign in with Microsoft"
	// An invoice of this month, for the invoice pages.
	h.deliveredOrder()
	h.signIn(admin).runBilling(billing.MonthOf(time.Now()).String())
	// A payment of part of it, for the payments page.
	invs, _, err := h.st.ListInvoices(context.Background(), h.admin, store.InvoiceFilter{}, store.Page{})
	if err != nil || len(invs) == 0 {
		t.Fatalf("no invoice after the run: %v", err)
	}
	if res := h.signIn(admin).post("/invoices/"+itoa(invs[0].ID)+"/payments", url.Values{"amount": {"1.00"}, "reference": {"bank 1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("payment: %d", res.StatusCode)
	}
	// An order waiting for the operator's approval (the reject form), and
	// one it rejected (the reason its customer reads).
	pending, rejected := orderNeedingApproval(t, h, "axe1"), orderNeedingApproval(t, h, "axe2")
	if _, err := app.Lifecycle(h.st).Reject(context.Background(), h.admin, rejected, "Not sold to public administrations."); err != nil {
		t.Fatal(err)
	}
	// A vendor's webhook endpoint (at a public address: the panel's form
	// resolves the host), and the order's messages in the outbox.
	bg := context.Background()
	v, err := h.st.Authenticate(bg, demo.VendorToken())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := webhooks.New(h.st, store.TxFunc[webhooks.Tx](h.st)).CreateEndpoint(bg, v, syndication.Endpoint{URL: "https://192.0.32.10/hooks"}); err != nil {
		t.Fatal(err)
	}
	if _, err := app.Notify(h.st, notify.WithPublicURL("https://market.example.com")).NotifyAll(bg); err != nil {
		t.Fatal(err)
	}
	if _, err := mail.NewSender(h.st, nil, slog.New(slog.DiscardHandler), mail.Config{}).Drain(bg); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	base := h.srv.URL
	check := func(who, path string) {
		t.Helper()
		run(t, ctx, who+" opens "+path, chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("body")))
		for _, v := range audit(t, ctx, src) {
			t.Errorf("%s %s: %s", who, path, v)
		}
		// On a phone (390 px wide), no control lies beyond the screen's right
		// edge: a table shows its rows as cards instead of scrolling sideways.
		var wide []string
		run(t, ctx, who+" on a phone "+path, chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+path), chromedp.WaitReady(chromedp.CSS("body")),
			into(&wide, chromedp.Evaluate[[]string](`(() => { const w = document.documentElement.clientWidth; const out = [];
				if (document.documentElement.scrollWidth > w) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide');
				for (const el of document.querySelectorAll('main a, main button, main input, main select, main textarea')) {
					const r = el.getBoundingClientRect();
					if (r.width > 0 && r.right > w + 1) out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + el.textContent.trim().slice(0, 30) + '" ends at ' + Math.round(r.right) + ' px');
				}
				return out; })()`)),
			chromedp.EmulateViewport(1280, 800))
		for _, v := range wide {
			t.Errorf("%s %s on a phone, %d px wide: %s", who, path, 390, v)
		}
	}
	for _, p := range []string{"/signin", "/reset", "/invitation?token=" + strings.Repeat("0", 64)} {
		check("anyone", p)
	}
	var providers int
	run(t, ctx, "the provider's button", chromedp.Navigate(base+"/signin"), chromedp.WaitReady(chromedp.CSS("body")),
		into(&providers, chromedp.Evaluate[int](`document.querySelectorAll('#signin-oidc').length`)))
	if providers != 1 {
		t.Errorf("the audited sign-in page has %d 'Sign in with Microsoft' buttons, want 1", providers)
	}
	// The pages a list links to: the first one, as a user would open it.
	follow := func(who, list, link string) {
		t.Helper()
		var href string
		run(t, ctx, who+" opens "+list, chromedp.Navigate(base+list), chromedp.WaitReady(chromedp.CSS("body")),
			into(&href, chromedp.Evaluate[string](`(document.querySelector(`+jsString(link)+`)||{}).getAttribute?.('href') || ''`)))
		if href == "" {
			t.Errorf("%s %s links to no %s", who, list, link)
			return
		}
		check(who, href)
	}
	pages := h.everyPage()
	details := map[string][][2]string{
		admin: {{"/webhooks", `main a[href^="/webhooks/"]`}, {"/admin/outbox", `main a[href^="/admin/outbox/"]`}, {"/invoices", `#invoice-list a[href^="/invoices/"]`},
			{"/invoices", `#runs-table a[href^="/billing/runs/"]`}, {"/subscriptions/" + itoa(pending), ""}},
		vendor:   {{"/webhooks", `main a[href^="/webhooks/"]`}},
		customer: {{"/profile", ""}, {"/users", ""}, {"/invoices", `#invoice-list a[href^="/invoices/"]`}, {"/subscriptions/" + itoa(rejected), ""}},
		reseller: {{"/profile", ""}},
	}
	roles := make([]string, 0, len(pages))
	for email := range pages {
		roles = append(roles, email)
	}
	slices.Sort(roles)
	for _, email := range roles {
		signInAs(t, ctx, base, email)
		for _, p := range pages[email] {
			if strings.Contains(p, ".csv") || strings.Contains(p, "/price?") {
				continue // a download and a fragment: no page
			}
			check(email, p)
		}
		for _, d := range details[email] {
			if d[1] == "" {
				check(email, d[0])
			} else {
				follow(email, d[0], d[1])
			}
		}
		signOut(t, ctx)
	}
	// In Italian: the switch on the sign-in page, then a customer's pages.
	run(t, ctx, "switch to Italian",
		chromedp.Click(chromedp.CSS(`form[action="/language"] button[value="it"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="it"] #email`)))
	check("anyone (it)", "/signin")
	signInAs(t, ctx, base, customer)
	for _, p := range pages[customer] {
		if !strings.Contains(p, "/price?") {
			check(customer+" (it)", p)
		}
	}
}
