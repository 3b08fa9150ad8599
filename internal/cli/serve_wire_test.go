package cli

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// front is serve's whole HTTP side (wire: the API, the Cloudesire API and
// the control panel behind the one front door) on loopback over a real
// database with the two-channel test world.
type front struct {
	t   *testing.T
	st  *store.Store
	w   *storetest.World
	url string
	log *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newFront(t *testing.T, engine store.Engine, limits config.Limits, tweak ...func(*config.Serve)) *front {
	t.Helper()
	st := storetest.Open(t, engine)
	st.Now = storetest.Clock(storetest.Epoch)
	w := storetest.NewWorld(t, st)
	cfg := config.Defaults()
	cfg.PublicURL = "https://market.example.test"
	cfg.Limits = limits
	for _, fn := range tweak {
		fn(&cfg)
	}
	buf := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(buf, nil))
	handler, _, err := wire(t.Context(), &cfg, &serveEnv{Store: st, Log: log, BaseURL: "http://127.0.0.1:0"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(handler)
	t.Cleanup(ts.Close)
	return &front{t: t, st: st, w: w, url: ts.URL, log: buf}
}

// answer is a response with its body.
type answer struct {
	status int
	header http.Header
	body   string
}

// do sends a request with the given headers ("Name: value") and does not
// follow redirects.
func (f *front) do(method, path, body string, headers ...string) answer {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(f.t.Context(), method, f.url+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		if h == "" {
			continue
		}
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, header: res.Header, body: string(raw)}
}

func (a answer) must(t *testing.T, status int) answer {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a.body)
	}
	return a
}

// problem checks an RFC 9457 body (/api/v1).
func (a answer) problem(t *testing.T) answer {
	t.Helper()
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || !strings.Contains(a.body, `"type":"about:blank"`) {
		t.Fatalf("not a problem (%s): %s", ct, a.body)
	}
	return a
}

// holders checks a Cloudesire error body (/api/).
func (a answer) holders(t *testing.T, key string) answer {
	t.Helper()
	if !strings.Contains(a.body, `"errorHolders":[{"key":"`+key+`"`) {
		t.Fatalf("not a Cloudesire %q error: %s", key, a.body)
	}
	return a
}

func basic(email, token string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(email+":"+token))
}

// session signs the user in as the panel does and returns the cookie header.
func (f *front) session(userID int64) string {
	f.t.Helper()
	secret, err := storetest.Accounts(f.st).CreateSession(f.t.Context(), userID, time.Hour)
	if err != nil {
		f.t.Fatal(err)
	}
	return "Cookie: mercato_session=" + secret
}

// TestFrontDoorOneBucketPerCaller: every credential of one user, on every
// transport, draws on one rate-limit bucket.
func TestFrontDoorOneBucketPerCaller(t *testing.T) {
	limits := config.Limits{PerSecond: 0.001, Burst: 3}
	t.Run("cloudesire is limited like /api/v1", func(t *testing.T) {
		f := newFront(t, store.SQLite, limits)
		tok := f.w.VendorA.Token
		for range 3 {
			f.do("GET", "/api/user/me", "", "CMW-Auth-Token: "+tok).must(t, http.StatusOK)
		}
		a := f.do("GET", "/api/user/me", "", "CMW-Auth-Token: "+tok).must(t, http.StatusTooManyRequests).holders(t, "tooManyRequests")
		if a.header.Get("Retry-After") == "" {
			t.Fatal("429 without Retry-After")
		}
		// The same token on /api/v1 is out of budget too, and the other
		// way round: one bucket.
		f.do("GET", "/api/v1/me", "", "Authorization: Bearer "+tok).must(t, http.StatusTooManyRequests).problem(t)
		f.do("GET", "/api/user/me", "", basic(f.w.VendorA.User.Email, tok)).must(t, http.StatusTooManyRequests)
		// Another user has its own.
		f.do("GET", "/api/user/me", "", "CMW-Auth-Token: "+f.w.VendorB.Token).must(t, http.StatusOK)
	})
	t.Run("whitespace and case do not make a new bucket", func(t *testing.T) {
		f := newFront(t, store.SQLite, limits)
		tok := f.w.C1.Token
		for range 3 {
			f.do("GET", "/api/v1/me", "", "Authorization: Bearer "+tok).must(t, http.StatusOK)
		}
		for _, h := range []string{"Bearer  " + tok, "bearer " + tok, "BEARER \t" + tok + "  "} {
			f.do("GET", "/api/v1/me", "", "Authorization: "+h).must(t, http.StatusTooManyRequests).problem(t)
		}
	})
	t.Run("the control panel and the API agree", func(t *testing.T) {
		f := newFront(t, store.SQLite, limits)
		cookie := f.session(f.w.C1.User.ID)
		f.do("GET", "/subscriptions", "", cookie).must(t, http.StatusOK)
		f.do("GET", "/api/v1/me", "", "Authorization: Bearer "+f.w.C1.Token).must(t, http.StatusOK)
		f.do("GET", "/api/v1/me", "", "Authorization: Bearer "+f.w.C1.Token).must(t, http.StatusOK)
		a := f.do("GET", "/subscriptions", "", cookie).must(t, http.StatusTooManyRequests)
		if !strings.Contains(a.body, "Too many requests") || a.header.Get("Retry-After") == "" {
			t.Fatalf("panel's 429: %v %s", a.header, a.body)
		}
	})
}

// TestFrontDoorViewersOnlyRead: a viewer's change is refused 403 on all
// three transports, in each one's shape, and nothing is written; the
// quote, the panel's previews and signing out stay open to it.
func TestFrontDoorViewersOnlyRead(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			f := newFront(t, engine, config.Limits{})
			ctx := t.Context()
			viewer, err := storetest.Accounts(f.st).CreateUser(ctx, f.w.Platform.Principal, mercato.User{OrganizationID: f.w.C1.Org.ID, Email: "viewer@c1.test", Role: mercato.RoleViewer})
			if err != nil {
				t.Fatal(err)
			}
			const tok = "test-token-viewer-0123456789abcdef"
			if err := f.st.AddToken(ctx, viewer.ID, "viewer", tok); err != nil {
				t.Fatal(err)
			}
			order := fmt.Sprintf(`{"plan_id":%d,"quantity":1}`, f.w.PlanA.ID)
			before := fmt.Sprint(storetest.Counts(t, f.st))
			f.do("POST", "/api/v1/orders", order, "Authorization: Bearer "+tok).must(t, http.StatusForbidden).problem(t)
			f.do("POST", "/api/subscription/1/endpoints", `[]`, "CMW-Auth-Token: "+tok).must(t, http.StatusForbidden).holders(t, "forbidden")
			f.do("PATCH", "/api/subscription/1", `{}`, basic(viewer.Email, tok)).must(t, http.StatusForbidden).holders(t, "forbidden")
			if after := fmt.Sprint(storetest.Counts(t, f.st)); after != before {
				t.Fatalf("rows changed by the refused API calls: %s -> %s", before, after)
			}
			cookie := f.session(viewer.ID)
			before = fmt.Sprint(storetest.Counts(t, f.st)) // the session is a row
			a := f.do("POST", "/subscriptions/1/cancel", "", cookie).must(t, http.StatusForbidden)
			if !strings.Contains(a.body, "read-only") {
				t.Fatalf("panel's 403: %s", a.body)
			}
			if after := fmt.Sprint(storetest.Counts(t, f.st)); after != before {
				t.Fatalf("rows changed: %s -> %s", before, after)
			}
			// Reads that are posts.
			f.do("POST", "/api/v1/quotes", order, "Authorization: Bearer "+tok).must(t, http.StatusOK)
			f.do("GET", "/subscriptions", "", cookie).must(t, http.StatusOK)
			f.do("POST", "/signout", "", cookie).must(t, http.StatusSeeOther)
		})
	}
}

// TestFrontDoorAnonymousFlood: requests without a valid credential are
// limited per client address on every transport, failed attempts
// included; a signed-in caller from the same address has its own budget.
func TestFrontDoorAnonymousFlood(t *testing.T) {
	f := newFront(t, store.SQLite, config.Limits{PerSecond: 100, Burst: 100, AnonPerSecond: 0.001, AnonBurst: 4})
	f.do("GET", "/healthz", "").must(t, http.StatusOK)
	f.do("GET", "/signin", "").must(t, http.StatusOK)
	f.do("GET", "/api/v1/me", "", "Authorization: Bearer mct_wrong").must(t, http.StatusUnauthorized).problem(t)
	f.do("GET", "/api/user/me", "", "CMW-Auth-Token: mct_wrong").must(t, http.StatusUnauthorized).holders(t, "unauthorized")
	f.do("GET", "/healthz", "").must(t, http.StatusTooManyRequests)
	f.do("GET", "/signin", "").must(t, http.StatusTooManyRequests)
	f.do("GET", "/api/v1/me", "", "Authorization: Bearer mct_wrong").must(t, http.StatusTooManyRequests).problem(t)
	f.do("GET", "/api/user/me", "", "CMW-Auth-Token: mct_wrong").must(t, http.StatusTooManyRequests).holders(t, "tooManyRequests")
	f.do("GET", "/api/v1/me", "", "Authorization: Bearer "+f.w.C1.Token).must(t, http.StatusOK)
}

// TestFrontDoorRefusalsPerTransport: the front door rejects bad
// credentials and each transport answers as it did: problem JSON with a
// Bearer challenge, errorHolders with a Basic challenge, the sign-in page.
func TestFrontDoorRefusalsPerTransport(t *testing.T) {
	f := newFront(t, store.SQLite, config.Limits{})
	a := f.do("GET", "/api/v1/products", "", "Authorization: Bearer mct_wrong").must(t, http.StatusUnauthorized).problem(t)
	if !strings.Contains(a.header.Get("WWW-Authenticate"), `error="invalid_token"`) || a.header.Get("X-Request-Id") == "" {
		t.Fatalf("headers %v", a.header)
	}
	a = f.do("GET", "/api/v1/products", "").must(t, http.StatusUnauthorized).problem(t)
	if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
		t.Fatalf("WWW-Authenticate %q", a.header.Get("WWW-Authenticate"))
	}
	for _, h := range []string{"CMW-Auth-Token: mct_wrong", basic(f.w.VendorB.User.Email, f.w.VendorA.Token), basic("", f.w.VendorA.Token), ""} {
		a = f.do("GET", "/api/user/me", "", h).must(t, http.StatusUnauthorized).holders(t, "unauthorized")
		if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Basic") {
			t.Fatalf("%s: WWW-Authenticate %q", h, a.header.Get("WWW-Authenticate"))
		}
	}
	f.do("GET", "/api/user/me", "", "CMW-Auth-Token: "+f.w.VendorA.Token, "CMW-Auth-User: "+f.w.VendorA.User.Email).must(t, http.StatusOK)
	a = f.do("GET", "/subscriptions", "", "Authorization: Bearer mct_wrong").must(t, http.StatusSeeOther)
	if loc := a.header.Get("Location"); !strings.HasPrefix(loc, "/signin") {
		t.Fatalf("Location %q", loc)
	}
	a = f.do("GET", "/subscriptions", "", "Cookie: mercato_session=expired").must(t, http.StatusSeeOther)
	if loc := a.header.Get("Location"); loc != "/signin?next=%2Fsubscriptions" {
		t.Fatalf("Location %q", loc)
	}
	// The session cookie counts on the panel only: the APIs take no
	// ambient credential.
	f.do("GET", "/api/v1/me", "", f.session(f.w.C1.User.ID)).must(t, http.StatusUnauthorized)
}

// TestPublicURLInResetLinks: password-reset links start with --public-url,
// not with whatever Host the request named.
func TestPublicURLInResetLinks(t *testing.T) {
	// Reset links go by e-mail (in the demo, kept in the Outbox), built on
	// --public-url whatever Host the request names, and never logged.
	f := newFront(t, store.SQLite, config.Limits{}, func(c *config.Serve) { c.Demo = true })
	req, err := http.NewRequestWithContext(context.Background(), "POST", f.url+"/reset", strings.NewReader("email="+f.w.C1.User.Email))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Host = "attacker.example"
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	out, err := f.st.ListMail(context.Background(), mail.Filter{})
	if err != nil || len(out) != 1 || !strings.Contains(out[0].Text, "https://market.example.test/reset?token=") || strings.Contains(out[0].Text+out[0].HTML, "attacker.example") {
		t.Fatalf("reset message not on the public URL: %v %+v", err, out)
	}
	if strings.Contains(f.log.String(), "token=") {
		t.Fatalf("the reset link was logged:\n%s", f.log.String())
	}
}

// TestFrontDoorBehindProxy: behind a trusted proxy the anonymous limit is
// per client (X-Forwarded-For), and nobody else can choose its address.
func TestFrontDoorBehindProxy(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	cfg := config.Defaults()
	cfg.PublicURL = "https://market.example.test"
	cfg.Limits = config.Limits{AnonPerSecond: 0.001, AnonBurst: 2, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	handler, _, err := wire(t.Context(), &cfg, &serveEnv{Store: st, Log: slog.New(slog.DiscardHandler)}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(handler)
	defer ts.Close()
	f := &front{t: t, st: st, url: ts.URL}
	for range 2 {
		f.do("GET", "/healthz", "", "X-Forwarded-For: 192.0.2.1").must(t, http.StatusOK)
	}
	f.do("GET", "/healthz", "", "X-Forwarded-For: 192.0.2.1").must(t, http.StatusTooManyRequests)
	// A client's own X-Forwarded-For before the proxy's entry is not believed.
	f.do("GET", "/healthz", "", "X-Forwarded-For: 198.51.100.7, 192.0.2.1").must(t, http.StatusTooManyRequests)
	f.do("GET", "/healthz", "", "X-Forwarded-For: 192.0.2.2").must(t, http.StatusOK)

	// Without trusted proxies the header changes nothing.
	cfg.Limits.TrustedProxies = nil
	handler, _, err = wire(t.Context(), &cfg, &serveEnv{Store: st, Log: slog.New(slog.DiscardHandler)}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	direct := httptest.NewServer(handler)
	defer direct.Close()
	f.url = direct.URL
	f.do("GET", "/healthz", "", "X-Forwarded-For: 192.0.2.3").must(t, http.StatusOK)
	f.do("GET", "/healthz", "", "X-Forwarded-For: 192.0.2.4").must(t, http.StatusOK)
	f.do("GET", "/healthz", "", "X-Forwarded-For: 192.0.2.5").must(t, http.StatusTooManyRequests)
}

// TestPanelSettings: the session lifetime and the sign-in limit come from
// the configuration.
func TestPanelSettings(t *testing.T) {
	f := newFront(t, store.SQLite, config.Limits{}, func(c *config.Serve) {
		c.Web.SessionTTL = 2 * time.Hour
		c.Web.SignInAttempts = 2
	})
	const password = "correct horse battery staple"
	if err := storetest.Accounts(f.st).SetPassword(t.Context(), f.w.C1.User.ID, password); err != nil {
		t.Fatal(err)
	}
	form := "Content-Type: application/x-www-form-urlencoded"
	a := f.do("POST", "/signin", "email="+f.w.C1.User.Email+"&password="+strings.ReplaceAll(password, " ", "+"), form).must(t, http.StatusSeeOther)
	if c := a.header.Get("Set-Cookie"); !strings.Contains(c, "Max-Age=7200") {
		t.Fatalf("cookie %q", c)
	}
	// Two free failures (SignInAttempts), then the account waits at this
	// address.
	f.do("POST", "/signin", "email="+f.w.C1b.User.Email+"&password=wrong", form).must(t, http.StatusUnauthorized)
	f.do("POST", "/signin", "email="+f.w.C1b.User.Email+"&password=wrong", form).must(t, http.StatusUnauthorized)
	f.do("POST", "/signin", "email="+f.w.C1b.User.Email+"&password=wrong", form).must(t, http.StatusTooManyRequests)
}
