package cloudesire_test

import (
	"net/http"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
)

// TestLogin replays the Java client's LoginApi: POST /api/login?expire=false
// (and ?expire=true, its default) with HTTP Basic, read as a String, and
// then uses the token as CMW-Auth-Token as the client does.
func TestLogin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		const password = "correct horse battery staple"
		if err := app.New(e.st, app.Options{}).Accounts.SetPassword(ctx, w.VendorA.User.ID, password); err != nil {
			t.Fatal(err)
		}
		login := func(t *testing.T, method, query, user, pw string) answer {
			return vendorClient{t: t, base: e.base, auth: func(r *http.Request) {
				r.URL.RawQuery = query + "&apiVersion=" + javaAPIVersion
				r.Header.Set("User-Agent", "Cloudesire API Client "+javaAPIVersion)
				r.SetBasicAuth(user, pw)
			}}.do(method, "login", nil, "")
		}
		works := func(t *testing.T, token string) {
			var me struct {
				ID int64 `json:"id"`
			}
			vendorClient{t: t, base: e.base, token: token}.get("user/me").must(t, http.StatusOK).decode(t, &me)
			if me.ID != w.VendorA.User.ID {
				t.Fatalf("the token is user %d's", me.ID)
			}
		}
		for _, c := range []struct{ name, method, query, secret string }{
			{"password, expire=false", http.MethodPost, "expire=false", password},
			{"password, expire=true", http.MethodPost, "expire=true", password},
			{"password, GET", http.MethodGet, "expire=false", password},
			{"API token", http.MethodPost, "expire=false", w.VendorA.Token},
		} {
			t.Run(c.name, func(t *testing.T) {
				var token string
				login(t, c.method, c.query, w.VendorA.User.Email, c.secret).must(t, http.StatusOK).decode(t, &token)
				if token == "" || token == password {
					t.Fatalf("token %q", token)
				}
				works(t, token)
			})
		}
		for name, c := range map[string]struct{ user, pw string }{
			"wrong password":       {w.VendorA.User.Email, "wrong password"},
			"someone else's email": {w.VendorB.User.Email, password},
			"unknown email":        {"nobody@example.com", password},
		} {
			t.Run(name, func(t *testing.T) {
				login(t, http.MethodPost, "expire=false", c.user, c.pw).errorHolders(t, http.StatusUnauthorized)
			})
		}
		t.Run("no credentials", func(t *testing.T) {
			vendorClient{t: t, base: e.base}.post("login", nil).errorHolders(t, http.StatusUnauthorized)
		})
		t.Run("a wrong password elsewhere is still refused", func(t *testing.T) {
			vendorClient{t: t, base: e.base, auth: func(r *http.Request) { r.SetBasicAuth(w.VendorA.User.Email, password) }}.
				get("user/me").errorHolders(t, http.StatusUnauthorized)
		})
	})
}

// TestErrorResponseEntry: every error body reads as the Java client's
// ErrorResponse, each entry (ErrorResponseEntry) with key, error and
// extraFields, from a handler and from the front door alike.
func TestErrorResponseEntry(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		vendor := vendorClient{t: t, base: e.base, token: e.w.VendorA.Token}
		for name, a := range map[string]answer{
			"a field":        vendor.get("product?sortField=nope"),
			"not found":      vendor.get("subscription/999999"),
			"the front door": vendorClient{t: t, base: e.base, token: "mct_nope"}.get("user/me"),
		} {
			t.Run(name, func(t *testing.T) {
				var body struct {
					ErrorHolders []struct {
						Key         *string            `json:"key"`
						Error       *string            `json:"error"`
						ExtraFields *map[string]string `json:"extraFields"`
					} `json:"errorHolders"`
				}
				a.decode(t, &body)
				if len(body.ErrorHolders) == 0 {
					t.Fatalf("no errorHolders: %s", a.raw)
				}
				for _, h := range body.ErrorHolders {
					if h.Key == nil || h.Error == nil || h.ExtraFields == nil {
						t.Fatalf("entry without key, error or extraFields: %s", a.raw)
					}
				}
			})
		}
	})
}
