package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/web"
)

// Demo users (internal/demo).
const (
	customer      = "it@adatum.example"
	otherCustomer = "it@tailspin.example"
	vendor        = "vendor@contoso.example"
	reseller      = "reseller@fabrikam.example"
	distributor   = "distributor@northwind.example"
	admin         = store.PlatformAdminEmail
)

// syncBuffer collects log lines from concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type harness struct {
	t     *testing.T
	st    *store.Store
	srv   *httptest.Server
	log   *syncBuffer
	admin mercato.Principal
}

// newHarness serves the panel over TLS (the session cookie is Secure) on
// the demo data, on SQLite.
func newHarness(t *testing.T, opts ...web.Option) *harness {
	t.Helper()
	return newHarnessWith(t, app.Options{}, opts...)
}

// newHarnessWith is newHarness over services built with appOpts.
func newHarnessWith(t *testing.T, appOpts app.Options, opts ...web.Option) *harness {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
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
	panel, err := web.New(app.New(st, appOpts).Web(), slog.New(slog.NewTextHandler(buf, nil)), opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(panel.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		if strings.Contains(buf.String(), "level=ERROR") {
			t.Errorf("errors logged:\n%s", buf.String())
		}
		if strings.Contains(buf.String(), demo.Password) {
			t.Errorf("a password was logged")
		}
	})
	return &harness{t: t, st: st, srv: srv, log: buf, admin: admin}
}

// client is a browser without JavaScript: a cookie jar that does not
// follow redirects, sending same-origin fetch metadata like a browser.
type client struct {
	h *harness
	c *http.Client
}

func (h *harness) anonymous() *client {
	jar, _ := cookiejar.New(nil)
	// srv.Client is shared: each browser gets its own client and jar.
	c := &http.Client{Transport: h.srv.Client().Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &client{h: h, c: c}
}

func (h *harness) signIn(email string) *client {
	h.t.Helper()
	c := h.anonymous()
	res := c.post("/signin", url.Values{"email": {email}, "password": {demo.Password}})
	if res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("sign in %s: %d", email, res.StatusCode)
	}
	return c
}

type response struct {
	StatusCode int
	Header     http.Header
	Body       string
}

func (c *client) do(req *http.Request) response {
	c.h.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

func (c *client) get(path string) response {
	req, _ := http.NewRequest(http.MethodGet, c.h.srv.URL+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values) response {
	return c.postFrom(path, form, "same-origin")
}

func (c *client) postFrom(path string, form url.Values, site string) response {
	req, _ := http.NewRequest(http.MethodPost, c.h.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", site)
	return c.do(req)
}

// adatumSubscription is the demo's deployed subscription of Adatum.
func (h *harness) adatumSubscription() subscription.Subscription {
	h.t.Helper()
	subs, _, err := h.st.ListSubscriptions(context.Background(), h.admin, store.SubscriptionFilter{}, store.Page{})
	if err != nil || len(subs) == 0 {
		h.t.Fatalf("demo subscription: %v", err)
	}
	return subs[0]
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestSignInSessionsAndSignOut(t *testing.T) {
	h := newHarness(t)
	anon := h.anonymous()
	if res := anon.get("/subscriptions"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/signin?next=") {
		t.Fatalf("anonymous page: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := anon.post("/signin", url.Values{"email": {customer}, "password": {"not the password"}}); res.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(res.Body, "Wrong email or password") {
		t.Fatalf("wrong password: %d", res.StatusCode)
	}
	if res := anon.post("/signin", url.Values{"email": {customer}, "password": {demo.Password}, "next": {"//evil.example/"}}); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/" {
		t.Fatalf("sign in with a foreign next: %d %q", res.StatusCode, res.Header.Get("Location"))
	} else {
		cookie := ""
		for _, c := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(c, web.SessionCookie+"=") {
				cookie = c
			}
		}
		for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} {
			if !strings.Contains(cookie, attr) {
				t.Errorf("session cookie %q lacks %s", cookie, attr)
			}
		}
	}
	if res := anon.get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/subscriptions" {
		t.Fatalf("customer home: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := anon.get("/subscriptions"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Adatum Corporation") {
		t.Fatalf("dashboard: %d", res.StatusCode)
	}
	if res := anon.post("/signout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: %d", res.StatusCode)
	}
	if res := anon.get("/subscriptions"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("page after sign-out: %d", res.StatusCode)
	}
	var n int
	if err := h.st.DB().QueryRow("SELECT COUNT(*) FROM web_sessions").Scan(&n); err != nil || n != 0 {
		t.Fatalf("sessions after sign-out: %d %v", n, err)
	}
}

func TestSignInRateLimit(t *testing.T) {
	h := newHarness(t, web.WithSignInLimit(3, time.Minute))
	c := h.anonymous()
	for i := range 3 {
		if res := c.post("/signin", url.Values{"email": {customer}, "password": {"wrong password " + itoa(int64(i))}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
		}
	}
	// Failures slow the account down at this address: the next attempt
	// must wait, even with the right password.
	res := c.post("/signin", url.Values{"email": {customer}, "password": {demo.Password}})
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("fourth attempt, right password: %d, want 429 with Retry-After", res.StatusCode)
	}
	// They do not lock the address for everyone behind it (one proxy for
	// all), and successful sign-ins never count.
	for i := range 15 {
		if res := h.anonymous().post("/signin", url.Values{"email": {vendor}, "password": {demo.Password}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("same client address, other account, sign-in %d: %d", i+1, res.StatusCode)
		}
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	h := newHarness(t)
	sub := h.adatumSubscription()
	c := h.signIn(customer)
	path := "/subscriptions/" + itoa(sub.ID) + "/cancel"
	if res := c.postFrom(path, nil, "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site cancel: %d, want 403", res.StatusCode)
	}
	if res := h.anonymous().postFrom("/signin", url.Values{"email": {customer}, "password": {demo.Password}}, "cross-site"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site sign-in: %d, want 403", res.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodPost, h.srv.URL+path, nil)
	req.Header.Set("Origin", "https://evil.example")
	if res := c.do(req); res.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Origin: %d, want 403", res.StatusCode)
	}
	got, err := h.st.Subscription(context.Background(), h.admin, sub.ID)
	if err != nil || got.Status != subscription.Deployed {
		t.Fatalf("subscription after refused posts: %s %v", got.Status, err)
	}
	if res := c.post(path, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin cancel: %d", res.StatusCode)
	}
	if got, _ := h.st.Subscription(context.Background(), h.admin, sub.ID); got.Status != subscription.UndeploySent {
		res := c.get("/subscriptions/" + itoa(sub.ID))
		t.Fatalf("after cancel: %s\n%s", got.Status, res.Body)
	}
}

// Each page shows only what the user's organization may see: the same
// store calls as the API, so foreign ids are not found.
func TestPagesShowOnlyWhatTheOrganizationSees(t *testing.T) {
	h := newHarness(t)
	sub := h.adatumSubscription()
	subPath := "/subscriptions/" + itoa(sub.ID)

	other := h.signIn(otherCustomer)
	if res := other.get(subPath); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another customer's subscription page: %d, want 404", res.StatusCode)
	}
	for _, action := range []string{"/cancel", "/seats", "/messages", "/reveal", "/renew"} {
		if res := other.post(subPath+action, url.Values{"quantity": {"3"}, "body": {"hi"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("another customer posts %s: %d, want 404", action, res.StatusCode)
		}
	}
	if res := other.get("/subscriptions"); strings.Contains(res.Body, `data-subscription="`+itoa(sub.ID)+`"`) {
		t.Fatal("another customer's dashboard lists Adatum's subscription")
	}
	for path, want := range map[string]int{"/admin": 403, "/channel/prices": 403, "/vendor/products": 403, "/webhooks": 403, "/webhooks/1": 404,
		"/vendor/products/1": 404, "/vendor/plans/1": 404, "/subscriptions/abc": 404} {
		if res := other.get(path); res.StatusCode != want {
			t.Errorf("customer GET %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	if got, _ := h.st.Subscription(context.Background(), h.admin, sub.ID); got.Status != subscription.Deployed || got.Quantity != sub.Quantity {
		t.Fatalf("subscription changed by another customer: %+v", got)
	}
	// Those above it in the channel, and its vendor, see it.
	for _, email := range []string{customer, vendor, reseller, distributor, admin} {
		if res := h.signIn(email).get(subPath); res.StatusCode != http.StatusOK {
			t.Errorf("%s: subscription page %d", email, res.StatusCode)
		}
	}
	// Credentials: only the customer (and the platform) can reveal them.
	ctx := context.Background()
	vp, _ := h.st.Authenticate(ctx, "mct_demo_vendor_contoso")
	if _, err := provisioning.New(h.st, store.TxFunc[provisioning.Tx](h.st)).AddCredentials(ctx, vp, sub.ID, []subscription.Credential{{Key: "password", Value: "s3cret-value"}}); err != nil {
		t.Fatal(err)
	}
	cust := h.signIn(customer)
	if res := cust.get(subPath); strings.Contains(res.Body, "s3cret-value") || !strings.Contains(res.Body, "Show credentials") {
		t.Fatal("credentials shown before they were asked for")
	}
	if res := cust.post(subPath+"/reveal", nil); !strings.Contains(res.Body, "s3cret-value") {
		t.Fatal("credentials not revealed on request")
	}
	if res := h.signIn(vendor).post(subPath+"/reveal", nil); strings.Contains(res.Body, "s3cret-value") {
		t.Fatal("the vendor saw the credential value")
	}
}

// Every page of every role renders (no template error is logged).
func TestEveryPageRenders(t *testing.T) {
	h := newHarness(t)
	for email, paths := range h.everyPage() {
		c := h.signIn(email)
		for _, p := range paths {
			if res := c.get(p); res.StatusCode != http.StatusOK {
				t.Errorf("%s GET %s: %d", email, p, res.StatusCode)
			}
		}
	}
	for _, p := range []string{"/signin", "/reset", "/static/style.css", "/static/htmx.min.js", "/static/app.js"} {
		if res := h.anonymous().get(p); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
	}
}

// everyPage is the pages of each role, by the demo user who sees them.
func (h *harness) everyPage() map[string][]string {
	sub := h.adatumSubscription()
	metered := "/subscriptions/" + itoa(h.meteredSubscription().ID)
	return map[string][]string{
		customer: {"/subscriptions", "/catalog", "/products/1", "/products/2", "/subscriptions/" + itoa(sub.ID), metered, metered + "?usage=month", "/messages", "/invoices", "/products/1/price?plan_id=1&quantity=3"},
		vendor:   {metered, "/vendor/products", "/vendor/products/1", "/vendor/plans/1", "/vendor/plans/3", "/vendor/products/1/plans/new", "/vendor/products/5", "/vendor/products/5/arm-template", "/earnings.csv?period=2026-01", "/webhooks", "/subscriptions", "/messages", "/invoices", "/catalog"},
		reseller: {"/channel/organizations", "/channel/prices", "/subscriptions", "/catalog", "/invoices", "/users",
			"/catalog?for=" + itoa(sub.CustomerID), "/products/1?for=" + itoa(sub.CustomerID)},
		distributor: {"/channel/organizations", "/channel/prices", "/subscriptions", "/invoices", "/invoices?period=2025-12",
			"/channel/organizations/" + itoa(mustOrg(h.t, h, "Fabrikam Reseller")) + "/catalog"},
		admin: {"/admin", "/catalog", "/subscriptions", "/webhooks", "/vendor/products", "/invoices", "/vendor/products/5/arm-template", "/admin/operator", "/admin/fees", "/admin/outbox", "/admin/payments", "/admin/payments?status=partial", "/coupons", "/profile", "/users",
			"/admin/organizations", "/admin/organizations/" + itoa(sub.CustomerID), "/subscriptions/" + itoa(sub.ID), "/tokens"},
	}
}

func TestCheckoutValidatesTheConfigurationForm(t *testing.T) {
	h := newHarness(t)
	c := h.signIn(customer)
	form := url.Values{"plan_id": {"2"}, "quantity": {"4"}, "nonce": {"n1"}, "cfg.company_subdomain": {"Not Valid!"}}
	res := c.post("/products/1/order", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "must match") {
		t.Fatalf("invalid configuration: %d", res.StatusCode)
	}
	before, _, _ := h.st.ListOrders(context.Background(), h.admin, store.OrderFilter{}, store.Page{})
	form.Set("cfg.company_subdomain", "adatum-sales")
	res = c.post("/products/1/order", form)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/subscriptions/") {
		t.Fatalf("order: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// A second press of the button is the same order.
	first := res.Header.Get("Location")
	if res := c.post("/products/1/order", form); res.Header.Get("Location") != first || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("repeated order: %d %s, want %s", res.StatusCode, res.Header.Get("Location"), first)
	}
	after, _, _ := h.st.ListOrders(context.Background(), h.admin, store.OrderFilter{}, store.Page{})
	if len(after) != len(before)+1 {
		t.Fatalf("orders: %d then %d, want one more", len(before), len(after))
	}
	o := after[len(after)-1]
	if o.Quantity != 4 || o.Configuration["company_subdomain"] != "adatum-sales" {
		t.Fatalf("order placed: %+v", o)
	}
	// The live price is the quote API's, through the channel.
	q, err := app.Ordering(h.st).Quote(context.Background(), mercato.Principal{OrgID: o.CustomerID, OrgKind: mercato.KindCustomer}, ordering.QuoteRequest{PlanID: 2, Quantity: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res := c.get("/products/1/price?plan_id=2&quantity=4"); !strings.Contains(res.Body, "EUR "+q.Total.StringFixed(2)) {
		t.Fatalf("live price lacks %s: %s", q.Total, res.Body)
	}
}

// TestPasswordReset: the reset link goes by e-mail, on the public URL
// (not the request's host), and the page answers the same for an address
// without an account, which queues nothing.
func TestPasswordReset(t *testing.T) {
	h := newHarnessWith(t, app.Options{Notify: []notify.Option{notify.WithPublicURL("https://market.example.com")}})
	c := h.anonymous()
	var bodies []string
	for _, email := range []string{customer, "nobody@example.com"} {
		res := c.post("/reset", url.Values{"email": {email}})
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "is on its way") {
			t.Fatalf("reset request for %s: %d", email, res.StatusCode)
		}
		bodies = append(bodies, strings.ReplaceAll(res.Body, email, "EMAIL"))
	}
	if bodies[0] != bodies[1] {
		t.Error("the answer tells whether the address has an account")
	}
	out, err := h.st.ListMail(context.Background(), mail.Filter{Limit: 10})
	if err != nil || len(out) != 1 || out[0].To != customer || out[0].Template != notify.PasswordReset || !out[0].Sensitive {
		t.Fatalf("outbox after two requests: %v %+v", err, out)
	}
	link := ""
	for _, f := range strings.Fields(out[0].Text) {
		if strings.HasPrefix(f, "https://market.example.com/reset?token=") {
			link = f
		}
	}
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("reset link %q in:\n%s", link, out[0].Text)
	}
	if res := c.get("/reset?" + u.RawQuery); !strings.Contains(res.Body, "New password") {
		t.Fatal("reset page does not ask for the new password")
	}
	token := u.Query().Get("token")
	if res := c.post("/reset/password", url.Values{"token": {token}, "password": {"short"}, "confirm": {"short"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("short password: %d", res.StatusCode)
	}
	if res := c.post("/reset/password", url.Values{"token": {token}, "password": {"a new long password"}, "confirm": {"a new long password"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset: %d", res.StatusCode)
	}
	if res := c.post("/signin", url.Values{"email": {customer}, "password": {demo.Password}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("old password after reset: %d", res.StatusCode)
	}
	if res := c.post("/signin", url.Values{"email": {customer}, "password": {"a new long password"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("new password: %d", res.StatusCode)
	}
	if strings.Contains(h.log.String(), token) {
		t.Fatal("the reset token was logged although links go elsewhere")
	}
}

func TestReviewsMessagesAndMarkups(t *testing.T) {
	h := newHarness(t)
	sub := h.adatumSubscription()
	cust := h.signIn(customer)
	if res := cust.post("/products/1/review", url.Values{"rating": {"4"}, "body": {"Works well"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("review: %d", res.StatusCode)
	}
	if res := h.signIn(otherCustomer).get("/products/1"); !strings.Contains(res.Body, "Works well") || !strings.Contains(res.Body, "★★★★☆") {
		t.Fatal("the review is not on the product page")
	}
	if res := h.signIn(otherCustomer).post("/products/1/review", url.Values{"rating": {"1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("review without buying: %d", res.StatusCode)
	} else if _, sum, _ := h.st.Reviews(context.Background(), h.admin, 1); sum.Count != 1 {
		t.Fatalf("a customer that did not buy reviewed: %+v", sum)
	}
	subPath := "/subscriptions/" + itoa(sub.ID)
	if res := cust.post(subPath+"/messages", url.Values{"body": {"Can we get SSO?"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("message: %d", res.StatusCode)
	}
	v := h.signIn(vendor)
	if res := v.get("/messages"); !strings.Contains(res.Body, `class="count"`) {
		t.Fatal("the vendor's menu shows no unread message")
	}
	if res := v.get(subPath); !strings.Contains(res.Body, "Can we get SSO?") {
		t.Fatal("the vendor cannot read the message")
	}
	if res := v.get("/messages"); strings.Contains(res.Body, `class="count"`) {
		t.Fatal("still unread after reading")
	}

	// A reseller's markup changes what its customers pay.
	r := h.signIn(reseller)
	if res := r.post("/channel/prices", url.Values{"plan_id": {"2"}, "kind": {"percentage"}, "value": {"50"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set markup: %d", res.StatusCode)
	}
	entries, err := h.st.PriceList(context.Background(), h.admin, mustOrg(t, h, "Fabrikam Reseller"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.PlanID == 2 && e.Markup.Value.String() == "50")
	}
	if !found {
		t.Fatalf("markup not saved: %+v", entries)
	}
	// A vendor's plan edit shows in the preview and is saved.
	form := url.Values{"name": {"Team"}, "currency": {"EUR"}, "period": {"P1M"}, "model": {"graduated"}, "unit": {"seat"},
		"tier_up_to": {"5", "", ""}, "tier_unit_amount": {"10.00", "7.00", ""}, "tier_flat_amount": {"", "", ""}, "quantities": {"1, 8"}}
	if res := v.post("/vendor/pricing/preview", form); !strings.Contains(res.Body, "EUR 71.00") {
		t.Fatalf("graduated preview for 8 (5×10 + 3×7 = 71): %s", res.Body)
	}
	if res := v.post("/vendor/plans/2", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save plan: %d", res.StatusCode)
	}
	if res := h.signIn(otherCustomer).post("/vendor/plans/2", form); res.StatusCode != http.StatusNotFound && res.StatusCode != http.StatusForbidden {
		t.Fatalf("a customer edits a plan: %d", res.StatusCode)
	}
}

func mustOrg(t *testing.T, h *harness, name string) int64 {
	t.Helper()
	orgs, _, err := h.st.ListOrganizations(context.Background(), h.admin, mercato.OrganizationFilter{}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		if o.Name == name {
			return o.ID
		}
	}
	t.Fatalf("no organization %s", name)
	return 0
}

// TestCustomerConvertsTrial: a trial's page offers its customer "Convert
// to paid now", which makes it a normal subscription; the other customer
// gets 404 for the same form.
func TestCustomerConvertsTrial(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	var plan int64
	if err := h.st.DB().QueryRow(`SELECT id FROM plans WHERE name = 'Starter'`).Scan(&plan); err != nil {
		t.Fatal(err)
	}
	o, err := app.Ordering(h.st).PlaceOrder(ctx, h.admin, subscription.OrderRequest{CustomerID: mustOrg(t, h, "Adatum Corporation"), PlanID: plan, Quantity: 1,
		Configuration: map[string]any{"company_subdomain": "adatum-trial"}})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := h.st.Subscription(ctx, h.admin, o.SubscriptionID)
	if err != nil || sub.Type != subscription.TypeTrial {
		t.Fatalf("ordered a %s: %v", sub.Type, err)
	}
	path := "/subscriptions/" + itoa(sub.ID)
	cust := h.signIn(customer)
	if res := cust.get(path); !strings.Contains(res.Body, `action="`+path+`/convert"`) {
		t.Fatalf("no conversion offered:\n%s", res.Body)
	}
	if res := h.signIn(otherCustomer).post(path+"/convert", nil); res.StatusCode != http.StatusNotFound {
		t.Fatalf("another customer converts: %d", res.StatusCode)
	}
	if res := cust.post(path+"/convert", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("convert: %d %s", res.StatusCode, res.Body)
	}
	got, err := h.st.Subscription(ctx, h.admin, sub.ID)
	if err != nil || got.Type != subscription.TypeNormal {
		t.Fatalf("after conversion: %+v %v", got, err)
	}
	if res := cust.get(path); strings.Contains(res.Body, path+"/convert") {
		t.Fatal("a converted subscription still offers conversion")
	}
}

// TestRefusalsShowAsWarnings: a refused form (a reseller's markup that is
// not a number) comes back as a warning, announced as an alert; a saved
// one as a plain success.
func TestRefusalsShowAsWarnings(t *testing.T) {
	h := newHarness(t)
	r := h.signIn(reseller)
	if res := r.post("/channel/prices", url.Values{"plan_id": {"2"}, "kind": {"percentage"}, "value": {"lots"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("refused markup: %d", res.StatusCode)
	}
	if res := r.get("/channel/prices"); !strings.Contains(res.Body, `<p class="flash warn" role="alert">⚠ `) {
		t.Fatalf("a refused markup is not shown as a warning:\n%s", visibleText(res.Body))
	}
	if res := r.post("/channel/prices", url.Values{"plan_id": {"2"}, "kind": {"percentage"}, "value": {"50"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("markup: %d", res.StatusCode)
	}
	if res := r.get("/channel/prices"); !strings.Contains(res.Body, `<p class="flash" role="status">`) || strings.Contains(res.Body, "flash warn") {
		t.Fatalf("a saved markup is not shown as a success:\n%s", visibleText(res.Body))
	}
}

// TestResellerPriceListSplitsSetupFromPeriod: a reseller's price list
// shows, per plan, what it buys at, what its customers pay and its margin,
// each as a price per period and a setup fee once, never the two added up.
// The demo's Team plan lists at EUR 9.00 a seat a month plus EUR 50.00
// setup; Northwind adds 10% (9.90, 55.00) and Fabrikam 15% on that
// (11.385 → 11.38, 63.25): a margin of 1.48 a month and 8.25 once.
func TestResellerPriceListSplitsSetupFromPeriod(t *testing.T) {
	h := newHarness(t)
	body := h.signIn(reseller).get("/channel/prices").Body
	start := strings.Index(body, `<tr data-plan="2">`)
	if start < 0 {
		t.Fatalf("no row for the Team plan:\n%s", visibleText(body))
	}
	row := body[start:]
	row = row[:strings.Index(row, "</tr>")]
	cell := func(class string) string {
		i := strings.Index(row, `<td class="num `+class+`">`)
		if i < 0 {
			t.Fatalf("no %s cell in %s", class, row)
		}
		c := row[i:]
		return strings.Join(strings.Fields(visibleText(c[:strings.Index(c, "</td>")])), " ")
	}
	for class, want := range map[string]string{
		"buy":    "EUR 9.90 monthly + EUR 55.00 once",
		"sell":   "EUR 11.38 monthly + EUR 63.25 once",
		"margin": "EUR 1.48 monthly + EUR 8.25 once",
	} {
		if got := cell(class); got != want {
			t.Errorf("%s: %q, want %q", class, got, want)
		}
	}
	// A distributor sees the vendor's list price, split the same way.
	if res := h.signIn(distributor).get("/channel/prices"); !strings.Contains(strings.Join(strings.Fields(visibleText(res.Body)), " "), "EUR 9.00 monthly + EUR 50.00 once") {
		t.Errorf("the distributor's list price is not split:\n%s", visibleText(res.Body))
	}
}

// TestCustomerPricesAndTermsSayWhatHappens: the catalog and the live price
// show a setup fee as paid once, not as part of a monthly price; a trial
// shows no charge and no renewal offer; a subscription that renews by
// itself offers no "Renew" button, one that does not offers its customer
// to renew automatically (the operator to renew a term); an ended one
// never says it renews.
func TestCustomerPricesAndTermsSayWhatHappens(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	c := h.signIn(customer)
	flat := func(html string) string { return strings.Join(strings.Fields(visibleText(html)), " ") }
	// Adatum buys through Fabrikam: the Team plan's EUR 9.00 a seat and
	// EUR 50.00 setup, +10% and +15%, are 11.385 a seat and 63.25 once.
	if page := flat(c.get("/products/1").Body); !strings.Contains(page, "Team price per unit per seat EUR 11.38 monthly + EUR 63.25 once") {
		t.Errorf("the plans table does not keep the setup fee apart:\n%s", page)
	}
	if res := flat(c.get("/products/1/price?plan_id=2&quantity=3").Body); !strings.Contains(res, "First payment EUR 97.41 Then EUR 34.16 monthly") {
		t.Errorf("the live price adds the setup fee to a monthly total: %s", res)
	}
	// The demo's subscription is a trial.
	trial := h.adatumSubscription()
	page := c.get("/subscriptions/" + itoa(trial.ID)).Body
	if strings.Contains(page, `action="/subscriptions/`+itoa(trial.ID)+`/renew"`) || strings.Contains(page, `id="renew"`) {
		t.Error("a trial offers a renewal")
	}
	if charges := flat(page[strings.Index(page, "<h2>Charges</h2>"):]); !strings.Contains(charges, "free trial") || strings.Contains(charges[:strings.Index(charges, "Usage")], "EUR") {
		t.Errorf("a trial shows a charge: %s", charges)
	}
	// A monthly Team subscription, delivered: its term ends within the
	// notice window.
	h.deliveredOrder()
	subs, _, err := h.st.ListSubscriptions(ctx, h.admin, store.SubscriptionFilter{}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	team := subs[len(subs)-1]
	h.st.Now = storetest.Clock(team.EndDate.AddDate(0, 0, -10)) // within the renewal notice
	c = h.signIn(customer)                                      // the session of three weeks ago has expired
	path := "/subscriptions/" + itoa(team.ID)
	renew := `action="` + path + `/renew"`
	if page := c.get(path).Body; !strings.Contains(flat(page), "It renews automatically") || strings.Contains(page, renew) {
		t.Errorf("auto-renewing: the offer says %q, a Renew button: %v", flat(page), strings.Contains(page, renew))
	}
	if res := c.post(path+"/autorenew", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("auto-renew off: %d", res.StatusCode)
	}
	// Without auto-renew the customer is offered what it may do: turn it
	// on (renewing a term at once is the operator's, MayRenew), and the
	// button works.
	keep := `<form method="post" action="` + path + `/autorenew" class="inline"><input type="hidden" name="auto_renew" value="on">`
	if page := c.get(path).Body; strings.Contains(page, renew) || !strings.Contains(page, keep) {
		t.Errorf("without auto-renew: a Renew button %v (refused to customers), a renew-automatically button %v", strings.Contains(page, renew), strings.Contains(page, keep))
	}
	if !strings.Contains(flat(h.signIn(admin).get(path).Body), "Renew for another term") {
		t.Error("the operator is not offered to renew a term")
	}
	if res := c.post(path+"/autorenew", url.Values{"auto_renew": {"on"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("auto-renew on: %d", res.StatusCode)
	}
	if page := flat(c.get(path).Body); !strings.Contains(page, "Automatic renewal is on.") || !strings.Contains(page, "It renews automatically") {
		t.Errorf("the customer's button did not turn auto-renew on: %s", page)
	}
	if res := c.post(path+"/cancel", url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("cancel: %d", res.StatusCode)
	}
	if page := flat(c.get(path).Body); strings.Contains(page, "Renewal automatic") || strings.Contains(page, "renews automatically") {
		t.Errorf("a cancelled subscription says it renews: %s", page)
	}
	list := flat(c.get("/subscriptions").Body)
	row := list[strings.Index(list, "#"+itoa(team.ID)):]
	if row = row[:strings.Index(row, "Manage")]; strings.Contains(row, "renews automatically") || !strings.Contains(list, "renews automatically") {
		t.Errorf("the dashboard says a cancelled subscription renews: %s", row)
	}
}

// TestPlanEditorWithoutJSON: the vendor's plan editor chooses the period
// from words and writes tiers and metrics in rows of fields; an error
// comes beside the field (and the row) it is about, in the live preview
// as on saving, even when blank rows come before it.
func TestPlanEditorWithoutJSON(t *testing.T) {
	h := newHarness(t)
	v := h.signIn(vendor)
	page := v.get("/vendor/plans/3").Body // Business: graduated tiers
	for _, want := range []string{`<option value="P1M" selected>monthly</option>`, `<option value="P1Y">yearly</option>`, `name="tier_up_to"`, `name="metric_name"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the editor lacks %s", want)
		}
	}
	if strings.Contains(page, "JSON") || strings.Contains(page, `<textarea id="tiers"`) {
		t.Error("the editor still asks for JSON or tier lines")
	}
	base := url.Values{"name": {"Rows"}, "currency": {"EUR"}, "period": {"P1M"}, "model": {"graduated"}, "unit": {"seat"},
		"metric_name": {"storage_gb", ""}, "metric_unit": {"GB", ""}, "metric_aggregation": {"max", "sum"}, "metric_model": {"per_unit", "per_unit"},
		"metric_unit_amount": {"0.10", ""}, "metric_amount": {"", ""}, "metric_package_size": {"", ""}, "metric_tiers": {"", ""}, "quantities": {"1, 12"}}
	with := func(tiers [][3]string, extra url.Values) url.Values {
		f := url.Values{}
		for k, vs := range base {
			f[k] = vs
		}
		for _, t := range tiers {
			f.Add("tier_up_to", t[0])
			f.Add("tier_unit_amount", t[1])
			f.Add("tier_flat_amount", t[2])
		}
		for k, vs := range extra {
			f[k] = vs
		}
		return f
	}
	// Live: the second shown row (after a blank one) does not rise.
	bad := with([][3]string{{"", "", ""}, {"10", "5.00", ""}, {"5", "4.00", ""}, {"", "3.00", ""}}, nil)
	res := v.post("/vendor/pricing/preview", bad)
	if !strings.Contains(res.Body, `<p class="field-err" id="err-tiers-2" hx-swap-oob="true">up_to: must be greater than the previous tier`) ||
		!strings.Contains(res.Body, `<p class="field-err" id="err-tiers-1" hx-swap-oob="true"></p>`) {
		t.Errorf("the live preview does not put the error beside its row:\n%s", res.Body)
	}
	// Saving: 422, the page with the error beside the term's menu.
	res = v.post("/vendor/products/1/plans", with([][3]string{{"10", "5.00", ""}, {"", "4.00", ""}}, url.Values{"term": {"P1W"}}))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="err-term">`) ||
		strings.Contains(res.Body, `id="err-term"></p>`) || !strings.Contains(res.Body, `id="term" name="term" aria-describedby="err-term" aria-invalid="true"`) {
		t.Fatalf("a refused term: %d\n%s", res.StatusCode, visibleText(res.Body))
	}
	// Saved: the rows not left blank, the metric as typed.
	res = v.post("/vendor/products/1/plans", with([][3]string{{"10", "5.00", ""}, {"", "", ""}, {"", "4.00", "1.50"}}, nil))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, visibleText(res.Body))
	}
	plans, _, err := h.st.ListPlans(context.Background(), h.admin, 1, nil, store.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	p := plans[len(plans)-1].Pricing
	if len(p.Tiers) != 2 || *p.Tiers[0].UpTo != 10 || p.Tiers[1].UpTo != nil || p.Tiers[1].FlatAmount.String() != "1.5" ||
		len(p.Metrics) != 1 || p.Metrics[0].Name != "storage_gb" || p.Metrics[0].Aggregation != "max" || p.Metrics[0].UnitAmount.String() != "0.1" {
		t.Fatalf("saved pricing: %+v", p)
	}
}

// TestPlanEditorCurrencyPrices: the plan editor has a row per extra
// currency (the plan's model's amounts, its tiers written in one field);
// an error comes beside its row and nothing is saved; a saved price is
// shown again in its row, with a blank row for another currency.
func TestPlanEditorCurrencyPrices(t *testing.T) {
	h := newHarness(t)
	v := h.signIn(vendor)
	if page := v.get("/vendor/plans/3").Body; !strings.Contains(page, `name="price_currency"`) || !strings.Contains(page, "Prices in other currencies") {
		t.Fatal("the editor has no row for a price in another currency")
	}
	form := func(currency, setup, tiers string) url.Values {
		return url.Values{"name": {"Dual"}, "currency": {"EUR"}, "period": {"P1M"}, "model": {"graduated"}, "unit": {"seat"}, "setup_fee": {"5.00"},
			"tier_up_to": {"10", ""}, "tier_unit_amount": {"5.00", "4.00"}, "tier_flat_amount": {"", ""},
			"price_currency": {"", currency}, "price_amount": {"", ""}, "price_unit_amount": {"", ""}, "price_setup_fee": {"", setup}, "price_tiers": {"", tiers},
			"quantities": {"1"}}
	}
	for _, bad := range []struct{ currency, setup, tiers, msg string }{
		{"eur", "5.00", "10 5.00; * 4.00", "currency: is the plan&#39;s own currency"},
		{"JPY", "700.5", "10 700; * 600", "setup_fee: must have at most 0 decimal places in JPY"},
		{"USD", "6.00", "20 5.50; * 4.40", "tiers: must be the plan&#39;s (10)"},
		{"USD", "", "10 5.50; * 4.40", "setup_fee: is required"},
	} {
		before, _, _ := h.st.ListPlans(context.Background(), h.admin, 1, nil, store.Page{Limit: 50})
		res := v.post("/vendor/products/1/plans", form(bad.currency, bad.setup, bad.tiers))
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="err-prices-1">`+bad.msg) {
			t.Errorf("%s %s %s: %d, want the error beside its row (%s):\n%s", bad.currency, bad.setup, bad.tiers, res.StatusCode, bad.msg, visibleText(res.Body))
		}
		if after, _, _ := h.st.ListPlans(context.Background(), h.admin, 1, nil, store.Page{Limit: 50}); len(after) != len(before) {
			t.Errorf("a refused plan was saved")
		}
	}
	res := v.post("/vendor/products/1/plans", form("usd", "6.00", "10 5.50; * 4.40"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, visibleText(res.Body))
	}
	plans, _, err := h.st.ListPlans(context.Background(), h.admin, 1, nil, store.Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	pl := plans[len(plans)-1]
	if ps := pl.Pricing.Prices; len(ps) != 1 || ps[0].Currency != "USD" || ps[0].SetupFee.String() != "6" || len(ps[0].Tiers) != 2 || ps[0].Tiers[1].UnitAmount.String() != "4.4" {
		t.Fatalf("saved prices: %+v", pl.Pricing.Prices)
	}
	page := v.get("/vendor/plans/" + itoa(pl.ID)).Body
	if !strings.Contains(page, `name="price_currency" value="USD"`) || !strings.Contains(page, `value="10 5.5; * 4.4"`) || strings.Count(page, `name="price_currency"`) != 2 {
		t.Errorf("the editor does not show the saved price and a blank row:\n%s", visibleText(page))
	}
}

// TestCatalogSearch: the catalog finds products by words of their name,
// description or vendor, says when nothing matches, refuses a search too
// long beside the box, and prices "from" a period without a setup fee
// (the Ubuntu VM's EUR 99.00 + 10% + 15% = 113.85 a month; its setup fee
// is paid once).
func TestCatalogSearch(t *testing.T) {
	h := newHarness(t)
	c := h.signIn(customer)
	flat := func(html string) string { return strings.Join(strings.Fields(visibleText(html)), " ") }
	page := flat(c.get("/catalog?q=ubuntu").Body)
	if !strings.Contains(page, "Ubuntu Server VM") || strings.Contains(page, "Contoso CRM") || !strings.Contains(page, "from EUR 113.85 monthly") {
		t.Errorf("search for ubuntu:\n%s", page)
	}
	if page := flat(c.get("/catalog?q=contoso").Body); !strings.Contains(page, "Contoso CRM") {
		t.Errorf("a search by the vendor's name finds nothing:\n%s", page)
	}
	if page := flat(c.get("/catalog?q=nothing+like+it").Body); !strings.Contains(page, "No product matches “nothing like it”.") {
		t.Errorf("an empty search:\n%s", page)
	}
	res := c.get("/catalog?q=" + strings.Repeat("x", 101))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="err-q">Search with at most 100 characters.</p>`) {
		t.Errorf("a search too long: %d\n%s", res.StatusCode, flat(res.Body))
	}
}
