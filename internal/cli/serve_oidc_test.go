package cli

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestDemoSignInWithMicrosoft: serve --demo offers "Sign in with
// Microsoft" through its own Entra ID emulator, whose page lists the demo
// users; picking one signs that user in on the panel, and the newcomer
// without an account is refused.
func TestDemoSignInWithMicrosoft(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	st := storetest.Open(t, store.SQLite)
	if _, err := demo.Seed(ctx, st); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Demo, cfg.PublicURL = true, "http://"+ln.Addr().String()
	var out bytes.Buffer
	handler, workers, err := wire(ctx, &cfg, &serveEnv{Store: st, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: cfg.PublicURL}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Sign in with Microsoft") {
		t.Fatalf("the demo does not tell about signing in with Microsoft:\n%s", out.String())
	}
	for _, w := range workers {
		if w.name == "demo sign-in directory" {
			go func() { _ = w.run(ctx) }()
		}
	}
	srv := &http.Server{Handler: handler}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	signIn := func(upn string) *http.Response {
		t.Helper()
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		get := func(u string) *http.Response {
			t.Helper()
			res, err := c.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			return res
		}
		page, err := c.Get(cfg.PublicURL + "/signin")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(page.Body)
		page.Body.Close()
		if !strings.Contains(string(body), "Sign in with Microsoft") {
			t.Fatalf("sign-in page without the button:\n%s", body)
		}
		authURL := get(cfg.PublicURL + "/signin/oidc").Header.Get("Location")
		list, err := c.Get(authURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(list.Body)
		list.Body.Close()
		if !strings.Contains(string(body), "it@adatum.example") || !strings.Contains(string(body), demo.SignInNewcomer) {
			t.Fatalf("the emulator's page does not list the demo users:\n%s", body)
		}
		res, err := c.PostForm(authURL, url.Values{"login_hint": {upn}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return get(res.Header.Get("Location"))
	}
	res := signIn("it@adatum.example")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" || !strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), "\n"), "mercato_session=") {
		t.Fatalf("demo user: %d %v", res.StatusCode, res.Header)
	}
	if res := signIn(demo.SignInNewcomer); res.StatusCode != http.StatusForbidden {
		t.Fatalf("newcomer: %d", res.StatusCode)
	}
}
