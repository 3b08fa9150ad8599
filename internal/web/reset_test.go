package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestResetLinkNeverLogged: without a way to deliver reset links (outside
// the demo, before e-mail is configured), the link is not written to the
// log, where anyone reading it could take over the account.
func TestResetLinkNeverLogged(t *testing.T) {
	h := newHarness(t)
	c := h.anonymous()
	if res := c.post("/reset", url.Values{"email": {customer}}); res.StatusCode != http.StatusOK {
		t.Fatalf("reset request: %d", res.StatusCode)
	}
	if log := h.log.String(); strings.Contains(log, "token=") || !strings.Contains(log, "password reset requested") {
		t.Fatalf("log:\n%s", log)
	}
}

// TestResetPasswordIsLimited: guessing reset links is limited per address
// like signing in.
func TestResetPasswordIsLimited(t *testing.T) {
	h := newHarness(t)
	c := h.anonymous()
	form := url.Values{"token": {"guess-0123456789"}, "password": {"a new long password"}, "confirm": {"a new long password"}}
	for i := range 10 {
		if res := c.post("/reset/password", form); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("guess %d: %d", i+1, res.StatusCode)
		}
	}
	if res := c.post("/reset/password", form); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("11th guess: %d, want 429", res.StatusCode)
	}
}
