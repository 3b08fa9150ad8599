package web_test

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/mercato-market/mercato/internal/emulator/entra"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/web"
)

const (
	oidcTenant = "3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98"
	oidcApp    = "5e4d3c2b-1a09-4f8e-8d7c-6b5a4e3d2c1b"
	oidcSecret = "panel~secret-value"
)

// oidcHarness is the panel on the demo data offering sign-in with the
// Entra ID emulator, served on loopback (real HTTP), both on one fixed
// clock.
type oidcHarness struct {
	*harness
	em *entra.Emulator
}

func newOIDCHarness(t *testing.T, opts ...web.Option) *oidcHarness {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC) }
	em, err := entra.New(entra.Config{}, entra.WithClock(now))
	if err != nil {
		t.Fatal(err)
	}
	idp := httptest.NewServer(em.Handler())
	t.Cleanup(idp.Close)
	h := newHarness(t, append([]web.Option{web.WithOIDC(web.OIDC{Name: "Microsoft", Issuer: idp.URL + "/" + oidcTenant + "/v2.0",
		ClientID: oidcApp, ClientSecret: oidcSecret, Client: idp.Client(), Now: now}), web.WithSignInLimit(20, time.Hour)}, opts...)...)
	// The app's redirect URI is the panel's, known once it listens.
	if err := em.AddTenant(entra.Tenant{ID: oidcTenant, Domains: []string{"adatum.onmicrosoft.com", "adatum.example"},
		Apps: []entra.App{{ClientID: oidcApp, Name: "Mercato", Secrets: []string{oidcSecret}, RedirectURIs: []string{h.srv.URL + "/signin/oidc/callback"}}},
		Users: []entra.User{
			{UPN: "it@adatum.onmicrosoft.com", Name: "Adatum IT", Email: customer},
			{UPN: "new@adatum.onmicrosoft.com", Name: "Newcomer", Email: "newcomer@adatum.example"},
			// A user whose address is outside the tenant's domains: the
			// vendor's, which Entra does not vouch for.
			{UPN: "guest@adatum.onmicrosoft.com", Name: "Guest", Email: vendor},
		}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if strings.Contains(h.log.String(), oidcSecret) {
			t.Errorf("the client secret was logged")
		}
	})
	return &oidcHarness{harness: h, em: em}
}

// count is the number of rows of table.
func (h *oidcHarness) count(table string) int {
	h.t.Helper()
	var n int
	if err := h.st.DB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// toProvider follows the panel's "Sign in with Microsoft" to the
// emulator's authorization URL, which tamper may change.
func (h *oidcHarness) toProvider(c *client, next string, tamper func(url.Values)) *url.URL {
	h.t.Helper()
	res := c.get("/signin/oidc?next=" + url.QueryEscape(next))
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || err != nil {
		h.t.Fatalf("start: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("client_id") != oidcApp || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" ||
		q.Get("state") == "" || q.Get("nonce") == "" || q.Get("redirect_uri") != h.srv.URL+"/signin/oidc/callback" ||
		!strings.Contains(q.Get("scope"), "openid") || !strings.HasSuffix(loc.Path, "/"+oidcTenant+"/oauth2/v2.0/authorize") {
		h.t.Fatalf("authorization request %s", loc)
	}
	if tamper != nil {
		tamper(q)
		loc.RawQuery = q.Encode()
	}
	return loc
}

// pick is the person choosing upn on the emulator's page; it returns the
// redirect back to the panel.
func (h *oidcHarness) pick(c *client, authURL *url.URL, upn string) *url.URL {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, authURL.String(), nil)
	if res := c.do(req); res.StatusCode != 200 || !strings.Contains(res.Body, upn) {
		h.t.Fatalf("authorize page: %d %s", res.StatusCode, res.Body)
	}
	req, _ = http.NewRequest(http.MethodPost, authURL.String(), strings.NewReader(url.Values{"login_hint": {upn}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := c.do(req)
	back, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(back.String(), h.srv.URL+"/signin/oidc/callback?") {
		h.t.Fatalf("authorize: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	return back
}

func (h *oidcHarness) callback(c *client, back *url.URL) response {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, back.String(), nil)
	return c.do(req)
}

// TestOIDCSignIn signs in through the Entra ID emulator: the sign-in page
// offers "Sign in with Microsoft", the panel sends the browser to the
// provider with state, nonce and a PKCE challenge, the code comes back,
// is exchanged with the verifier, the id_token is verified by go-oidc, and
// the first sign-in links the identity to the user holding the verified
// address: a session as with a password. The second sign-in finds the
// identity. A wrong state, nonce or verifier, a replayed callback, an
// address nobody holds and one the provider does not vouch for are
// refused, and then nothing is written.
func TestOIDCSignIn(t *testing.T) {
	h := newOIDCHarness(t)
	anon := h.anonymous()
	page := anon.get("/signin?next=/profile")
	if page.StatusCode != 200 || !strings.Contains(page.Body, "Sign in with Microsoft") || !strings.Contains(page.Body, `href="/signin/oidc?next=%2fprofile"`) {
		t.Fatalf("sign-in page: %d %s", page.StatusCode, page.Body)
	}

	c := h.anonymous()
	back := h.pick(c, h.toProvider(c, "/profile", nil), "it@adatum.onmicrosoft.com")
	res := h.callback(c, back)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile" {
		t.Fatalf("callback: %d %q %s", res.StatusCode, res.Header.Get("Location"), res.Body)
	}
	if p := c.get("/profile"); p.StatusCode != 200 || !strings.Contains(p.Body, customer) {
		t.Fatalf("profile after signing in: %d", p.StatusCode)
	}
	if n := h.count("user_identities"); n != 1 {
		t.Fatalf("identities: %d", n)
	}
	// The same callback again (the flow cookie is used up, the code too).
	if res := h.callback(c, back); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed callback: %d", res.StatusCode)
	}

	// Refusals: each leaves every table as it was (no session, no
	// identity, no audit entry).
	before := storetest.Counts(t, h.st)
	refused := func(name string, res response, status int, says string) {
		t.Helper()
		if res.StatusCode != status || !strings.Contains(res.Body, says) {
			t.Fatalf("%s: %d, want %d with %q:\n%s", name, res.StatusCode, status, says, res.Body)
		}
		for _, ck := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(ck, web.SessionCookie+"=") && !strings.Contains(ck, "Max-Age=0") {
				t.Fatalf("%s: a session cookie: %s", name, ck)
			}
		}
		if after := storetest.Counts(t, h.st); !maps.Equal(after, before) {
			t.Fatalf("%s wrote: %v, before %v", name, after, before)
		}
	}
	const again = "could not be completed"
	// A wrong state: a code meant for another sign-in.
	c = h.anonymous()
	back = h.pick(c, h.toProvider(c, "/", nil), "it@adatum.onmicrosoft.com")
	q := back.Query()
	q.Set("state", "not-the-state")
	back.RawQuery = q.Encode()
	refused("wrong state", h.callback(c, back), http.StatusBadRequest, again)
	// No sign-in under way in this browser (no flow cookie).
	c = h.anonymous()
	back = h.pick(c, h.toProvider(c, "/", nil), "it@adatum.onmicrosoft.com")
	refused("no flow cookie", h.callback(h.anonymous(), back), http.StatusBadRequest, again)
	// A wrong nonce: the id_token was issued for another request.
	c = h.anonymous()
	back = h.pick(c, h.toProvider(c, "/", func(q url.Values) { q.Set("nonce", "an-attacker-nonce") }), "it@adatum.onmicrosoft.com")
	refused("wrong nonce", h.callback(c, back), http.StatusUnauthorized, again)
	// A code obtained with another PKCE challenge: the verifier fails.
	c = h.anonymous()
	back = h.pick(c, h.toProvider(c, "/", func(q url.Values) {
		q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
	}), "it@adatum.onmicrosoft.com")
	refused("wrong verifier", h.callback(c, back), http.StatusUnauthorized, again)
	// An address nobody here holds.
	c = h.anonymous()
	refused("unknown address", h.callback(c, h.pick(c, h.toProvider(c, "/", nil), "new@adatum.onmicrosoft.com")), http.StatusForbidden, "No active account here has the address Microsoft vouched for")
	// An address the provider does not vouch for, though a user holds it.
	c = h.anonymous()
	refused("unverified address", h.callback(c, h.pick(c, h.toProvider(c, "/", nil), "guest@adatum.onmicrosoft.com")), http.StatusForbidden, "did not vouch for your email address")
	// The provider's own refusal.
	c = h.anonymous()
	h.toProvider(c, "/", nil)
	refused("provider error", c.get("/signin/oidc/callback?error=access_denied&error_description=AADSTS65004"), http.StatusUnauthorized, "did not sign you in")

	// The second sign-in goes by the identity.
	c = h.anonymous()
	if res := h.callback(c, h.pick(c, h.toProvider(c, "/", nil), "it@adatum.onmicrosoft.com")); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("second sign-in: %d %s", res.StatusCode, res.Body)
	}
	if n := h.count("user_identities"); n != 1 {
		t.Fatalf("identities after the second sign-in: %d", n)
	}
}

// TestOIDCSignInLimited: refused sign-ins count as failed sign-ins of the
// client address, as with passwords: past the free ones the next waits.
func TestOIDCSignInLimited(t *testing.T) {
	h := newOIDCHarness(t, web.WithSignInLimit(1, time.Hour))
	c := h.anonymous()
	if res := h.callback(c, h.pick(c, h.toProvider(c, "/", nil), "new@adatum.onmicrosoft.com")); res.StatusCode != http.StatusForbidden {
		t.Fatalf("first refusal: %d", res.StatusCode)
	}
	res := h.callback(c, h.pick(c, h.toProvider(c, "/", nil), "it@adatum.onmicrosoft.com"))
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after a refusal: %d, want 429", res.StatusCode)
	}
	if n := h.count("web_sessions"); n != 0 {
		t.Fatalf("sessions: %d", n)
	}
}

// TestOIDCSignInItalian: the button and the refusals in Italian.
func TestOIDCSignInItalian(t *testing.T) {
	h := newOIDCHarness(t)
	c := h.anonymous()
	if res := c.post("/language", url.Values{"lang": {"it"}, "next": {"/signin"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("language: %d", res.StatusCode)
	}
	if page := c.get("/signin"); !strings.Contains(page.Body, "Accedi con Microsoft") {
		t.Fatalf("Italian sign-in page:\n%s", page.Body)
	}
	res := h.callback(c, h.pick(c, h.toProvider(c, "/", nil), "new@adatum.onmicrosoft.com"))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.Body, "Nessun account attivo") {
		t.Fatalf("Italian refusal: %d\n%s", res.StatusCode, res.Body)
	}
}

// TestSignInWithoutOIDC: without a provider the page offers none and its
// paths are not found.
func TestSignInWithoutOIDC(t *testing.T) {
	h := newHarness(t)
	c := h.anonymous()
	if page := c.get("/signin"); strings.Contains(page.Body, "signin-oidc") {
		t.Fatalf("a provider offered:\n%s", page.Body)
	}
	for _, p := range []string{"/signin/oidc", "/signin/oidc/callback?code=x&state=y"} {
		if res := c.get(p); res.StatusCode != http.StatusNotFound {
			t.Fatalf("%s: %d", p, res.StatusCode)
		}
	}
}

// TestOIDCSignInInBrowser: in Chromium, "Sign in with Microsoft" on the
// sign-in page goes to the emulator's page, where picking the user comes
// back to the panel signed in, at the page asked for before signing in.
func TestOIDCSignInInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test in -short mode")
	}
	chromium(t)
	h := newOIDCHarness(t)
	ctx := browser(t)
	const pick = `button[value="it@adatum.onmicrosoft.com"]`
	var at, who string
	run(t, ctx, "sign in with Microsoft",
		chromedp.Navigate(h.srv.URL+"/profile"), // sends to /signin?next=/profile
		chromedp.WaitVisible(chromedp.CSS("#signin-oidc")),
		chromedp.Click(chromedp.CSS("#signin-oidc")),
		chromedp.WaitVisible(chromedp.CSS(pick)),
		chromedp.Click(chromedp.CSS(pick)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/signout"]`)),
		into(&at, chromedp.Evaluate[string](`location.href`)),
		into(&who, chromedp.Evaluate[string](`document.body.innerText`)),
	)
	if at != h.srv.URL+"/profile" || !strings.Contains(who, customer) {
		t.Fatalf("after signing in with Microsoft: %s\n%s", at, who)
	}
}
