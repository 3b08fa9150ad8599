package web_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

var (
	hiddenParts = regexp.MustCompile(`(?s)<(script|style|textarea)\b.*?</(script|style|textarea)>`)
	markup      = regexp.MustCompile(`(?s)<[^>]*>`)
	// rawEnums are values people must not read: periods, pricing models,
	// statuses, types, categories (a title attribute may hold them).
	rawEnums = regexp.MustCompile(`\b(P1M|P3M|P1Y|P1W|per_unit|NORMAL|TRIAL|SANDBOX|WAITING_PAYMENT|PAYMENT_EXPIRED|REQUIRES_APPROVAL|DEPLOYED|PENDING|UNDEPLOYED|PASSWORD_RESET|DOCUMENTATION|saas|microsoft_csp|azure_plan|azure_marketplace_vm|arm_template|credit_note|order_confirmation)\b`)
)

// visibleText is what a reader of the page reads: no markup, no
// attributes, no scripts, no form data being edited.
func visibleText(page string) string {
	return html.UnescapeString(markup.ReplaceAllString(hiddenParts.ReplaceAllString(page, " "), " "))
}

// englishSentences are the catalogue's texts long enough to be sentences
// whose Italian differs: one of them on an Italian page was not
// translated.
func englishSentences(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("locales/it.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat map[string]any
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	var out []string
	for en, it := range cat {
		if s, ok := it.(string); ok && s != en && len(strings.Fields(en)) >= 3 && !strings.Contains(en, "%") {
			out = append(out, en)
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d sentences in the catalogue", len(out))
	}
	return out
}

// TestEveryPageInItalian: every page of every role, switched to Italian
// with the layout's switch, is in Italian (its lang, the menu's words, no
// English sentence of the catalogue) and shows no raw enum as text.
func TestEveryPageInItalian(t *testing.T) {
	h := newHarness(t)
	english := englishSentences(t)
	check := func(who, path string, res response) {
		t.Helper()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s GET %s: %d", who, path, res.StatusCode)
			return
		}
		if !strings.Contains(res.Body, `<html lang="it">`) {
			t.Errorf("%s GET %s: not marked Italian", who, path)
		}
		text := visibleText(res.Body)
		if m := rawEnums.FindAllString(text, -1); m != nil {
			t.Errorf("%s GET %s shows raw values %v", who, path, m)
		}
		for _, en := range english {
			if strings.Contains(text, en) {
				t.Errorf("%s GET %s: English left: %q", who, path, en)
			}
		}
	}
	for email, paths := range h.everyPage() {
		c := h.signIn(email)
		if res := c.post("/language", url.Values{"lang": {"it"}, "next": {"/profile"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile" {
			t.Fatalf("%s switches to Italian: %d %s", email, res.StatusCode, res.Header.Get("Location"))
		}
		for _, p := range paths {
			if strings.Contains(p, ".csv") || strings.Contains(p, "/price?") {
				continue // a download and a fragment: no page
			}
			check(email, p, c.get(p))
		}
		if res := c.get("/profile"); !strings.Contains(res.Body, "Esci") || !strings.Contains(res.Body, "Il tuo profilo") {
			t.Errorf("%s: the layout is not in Italian:\n%s", email, visibleText(res.Body))
		}
	}
	// The customer's catalog: periods and models in words, prices in the
	// Italian way.
	c := h.signIn(customer)
	res := c.get("/products/1")
	for _, want := range []string{"mensile", "\u00a0€", "Effettua l'ordine"} {
		if !strings.Contains(visibleText(res.Body), want) {
			t.Errorf("product page in Italian lacks %q:\n%s", want, visibleText(res.Body))
		}
	}
	if !strings.Contains(res.Body, `title="P1M"`) {
		t.Error("the raw period is not kept in a title")
	}
	if res := c.get("/no/such/page"); res.StatusCode != http.StatusNotFound || !strings.Contains(res.Body, "Questa pagina non esiste.") {
		t.Errorf("404 in Italian: %d\n%s", res.StatusCode, visibleText(res.Body))
	}
	u, err := h.st.UserByEmail(context.Background(), customer)
	if err != nil || u.Language != "it" {
		t.Fatalf("the switch did not keep the signed-in user's language: %q %v", u.Language, err)
	}
}

// TestLanguageFromBrowserAndSwitch: before signing in, the page speaks the
// browser's language (Accept-Language), English when it asks for none
// Mercato writes; the switch's cookie wins over the header; a signed-in
// user's own language wins over both.
func TestLanguageFromBrowserAndSwitch(t *testing.T) {
	h := newHarness(t)
	get := func(c *client, path, accept string) response {
		req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
		req.Header.Set("Accept-Language", accept)
		return c.do(req)
	}
	anon := h.anonymous()
	for accept, want := range map[string]string{
		"it-IT,it;q=0.9,en;q=0.8": `<html lang="it">`,
		"fr-FR, de;q=0.8":         `<html lang="en">`,
		"en-GB,it;q=0.5":          `<html lang="en">`,
		"de, it-CH;q=0.7":         `<html lang="it">`,
		"":                        `<html lang="en">`,
		"!!not a header":          `<html lang="en">`,
	} {
		if res := get(anon, "/signin", accept); !strings.Contains(res.Body, want) {
			t.Errorf("Accept-Language %q: want %s", accept, want)
		}
	}
	if res := get(anon, "/signin", "it"); !strings.Contains(res.Body, "Accedi a Mercato") || !strings.Contains(res.Body, `value="en" lang="en"`) {
		t.Errorf("sign-in page in Italian, with the switch:\n%s", res.Body)
	}
	if res := anon.post("/language", url.Values{"lang": {"it"}, "next": {"/signin"}}); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/signin" {
		t.Fatalf("switch: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := get(anon, "/signin", "en"); !strings.Contains(res.Body, `<html lang="it">`) {
		t.Error("the switch's cookie does not win over Accept-Language")
	}
	if res := anon.post("/language", url.Values{"lang": {"fr"}, "next": {"//evil.example/"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a language Mercato does not write in: %d", res.StatusCode)
	}
	if res := anon.post("/language", url.Values{"lang": {"en"}, "next": {"//evil.example/"}}); res.Header.Get("Location") != "/" {
		t.Errorf("the switch goes back outside the panel: %q", res.Header.Get("Location"))
	}
	// A signed-in user's language (set on the profile) wins over the
	// browser's.
	c := h.signIn(vendor)
	if res := c.post("/profile", url.Values{"language": {"it"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("profile: %d", res.StatusCode)
	}
	if res := get(c, "/vendor/products", "en-US,en"); !strings.Contains(res.Body, `<html lang="it">`) || !strings.Contains(res.Body, "Nuovo prodotto") {
		t.Errorf("the user's language does not win over Accept-Language")
	}
}
