package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

var tokenSecret = regexp.MustCompile(`<code id="token-secret">(mct_[a-z0-9]+)</code>`)

// The operator creates an API token, sees it once, uses it, and revokes
// it; a nameless token is refused beside its field, nothing written.
func TestAPITokens(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	op := h.signIn(admin)
	storetest.Unchanged(t, h.st, func() {
		res := op.post("/tokens", url.Values{"name": {""}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="name-err"`) {
			t.Fatalf("nameless token: %d\n%s", res.StatusCode, res.Body)
		}
	})
	res := op.post("/tokens", url.Values{"name": {"billing export"}})
	m := tokenSecret.FindStringSubmatch(res.Body)
	if res.StatusCode != http.StatusOK || m == nil || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("new token: %d %q\n%s", res.StatusCode, res.Header.Get("Cache-Control"), res.Body)
	}
	secret := m[1]
	if p, err := h.st.Authenticate(ctx, secret); err != nil || p.UserID != h.admin.UserID {
		t.Fatalf("the token does not authenticate as its user: %+v %v", p, err)
	}
	page := op.get("/tokens")
	if strings.Contains(page.Body, secret) || !strings.Contains(page.Body, "billing export") {
		t.Fatalf("the list shows the secret again, or not the token:\n%s", page.Body)
	}
	if strings.Contains(h.log.String(), secret) {
		t.Fatalf("the token was logged")
	}
	id := regexp.MustCompile(`<tr id="token-(\d+)"><td>billing export</td>`).FindStringSubmatch(page.Body)
	if id == nil {
		t.Fatalf("no row for the token:\n%s", page.Body)
	}
	// Another user cannot revoke it.
	h.signIn(customer).post("/tokens/"+id[1]+"/revoke", nil)
	if _, err := h.st.Authenticate(ctx, secret); err != nil {
		t.Fatalf("a customer revoked the operator's token: %v", err)
	}
	if res := op.post("/tokens/"+id[1]+"/revoke", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", res.StatusCode)
	}
	if _, err := h.st.Authenticate(ctx, secret); err == nil {
		t.Fatalf("a revoked token still works")
	}
}
