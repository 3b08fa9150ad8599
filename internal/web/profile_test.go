package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestProfileLanguage: a user chooses the language of its e-mail on its
// profile page; the page's lang follows it; a language Mercato does not
// write in is refused and changes nothing.
func TestProfileLanguage(t *testing.T) {
	h := newHarness(t)
	c := h.signIn(customer)
	if res := c.get("/profile"); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `<option value="it">Italiano</option>`) || !strings.Contains(res.Body, `<html lang="en">`) {
		t.Fatalf("profile page: %d\n%s", res.StatusCode, res.Body)
	}
	if res := c.post("/profile", url.Values{"language": {"it"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", res.StatusCode)
	}
	if res := c.get("/profile"); !strings.Contains(res.Body, `<option value="it" selected>`) || !strings.Contains(res.Body, `<html lang="it">`) {
		t.Fatalf("after saving Italian:\n%s", res.Body)
	}
	if res := c.post("/profile", url.Values{"language": {"fr"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bad language: %d", res.StatusCode)
	}
	res := c.get("/profile")
	if !strings.Contains(res.Body, "language: must be one of en, it") || !strings.Contains(res.Body, `<html lang="it">`) {
		t.Fatalf("after a bad language:\n%s", res.Body)
	}
	u, err := h.st.UserByEmail(context.Background(), customer)
	if err != nil || u.Language != "it" {
		t.Fatalf("stored: %q %v", u.Language, err)
	}
}
