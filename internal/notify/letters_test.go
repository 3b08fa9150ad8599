package notify_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/mercato-market/mercato/internal/mail"
	"github.com/mercato-market/mercato/internal/notify"
)

var sample = notify.Data{Operator: "Mercato <Market>", Name: "Ada", Product: "Product A", Plan: "Seats", Quantity: 3, Total: "EUR 30.00",
	Customer: "Adatum", InvoiceNumber: "MKT-2026-000001", DueDate: "2026-03-01", CurrentPrice: "EUR 30.00", NextPrice: "EUR 33.00", EffectiveDate: "2026-03-10",
	SubscriptionURL: "https://market.example.com/subscriptions/7", InvoiceURL: "https://market.example.com/invoices/9", LaunchURL: "https://app.example.org/login",
	PaidDate: "2026-03-02", RetryDate: "2026-03-03", Endpoint: "https://hooks.example.org/in", Reason: "it answered 410 Gone", Date: "2026-03-09", Minutes: 60,
	PaymentURL: "https://market.example.com/invoices#payment-method", WebhookURL: "https://market.example.com/webhooks/3", ResetURL: "https://market.example.com/reset?token=abc"}

// Every message renders in every language from its own catalogue: no
// missing entry, no value left out, the operator's name escaped in HTML,
// and the languages tell it differently.
func TestEveryMessageInEveryLanguage(t *testing.T) {
	l, err := notify.DefaultLetters()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range notify.Templates {
		for _, credit := range []bool{false, true} {
			d := sample
			d.CreditNote = credit
			subjects := map[string]string{}
			for _, lang := range mail.Languages {
				subject, text, html, err := l.Render(name, lang, d)
				if err != nil {
					t.Fatalf("%s in %s: %v", name, lang, err)
				}
				for part, s := range map[string]string{"subject": subject, "text": text, "html": html} {
					if strings.Contains(s, "<no value>") || strings.Contains(s, "{{") || !strings.Contains(s, "Mercato") {
						t.Errorf("%s %s in %s:\n%s", name, part, lang, s)
					}
				}
				if strings.Contains(html, "Mercato <Market>") || !strings.Contains(html, "Mercato &lt;Market&gt;") || !strings.Contains(html, `lang="`+lang+`"`) {
					t.Errorf("%s HTML in %s does not escape the operator's name:\n%s", name, lang, html)
				}
				subjects[lang] = subject
			}
			if subjects["en"] == subjects["it"] {
				t.Errorf("%s: the same subject in English and Italian: %q", name, subjects["en"])
			}
		}
	}
	if _, _, _, err := l.Render("no_such_message", "en", sample); err == nil {
		t.Error("an unknown message rendered")
	}
}

// The catalogues hold the same entries: one added in English only would
// fall back to English in an Italian message.
func TestCataloguesMatch(t *testing.T) {
	keys := func(lang string) []string {
		b, err := os.ReadFile("locales/" + lang + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		var out []string
		for group, entries := range m {
			for k := range entries {
				out = append(out, group+"."+k)
			}
		}
		slices.Sort(out)
		return out
	}
	en := keys("en")
	for _, lang := range mail.Languages[1:] {
		if got := keys(lang); !slices.Equal(got, en) {
			t.Errorf("%s has %v\nen has %v", lang, got, en)
		}
	}
}

// An entry missing from a language's catalogue is an error, not English
// in the middle of an Italian message.
func TestMissingTranslationIsAnError(t *testing.T) {
	fsys := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS("."), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasPrefix(p, "templates/") || strings.HasPrefix(p, "locales/")) {
			return err
		}
		b, err := os.ReadFile(p)
		if p == "locales/it.json" {
			b = []byte(strings.Replace(string(b), `"intro": "Buone notizie`, `"intro_missing": "Buone notizie`, 1))
		}
		fsys[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := notify.ParseLetters(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := l.Render(notify.SubscriptionDeployed, "en", sample); err != nil {
		t.Fatalf("English: %v", err)
	}
	if _, _, _, err := l.Render(notify.SubscriptionDeployed, "it", sample); err == nil || !strings.Contains(err.Error(), `"subscription_deployed.intro" not found in language "it"`) {
		t.Fatalf("Italian without its entry: %v", err)
	}
}

// The operator's logo (--mail-logo-url) heads every HTML message, and
// none is shown without one.
func TestLogo(t *testing.T) {
	l, err := notify.DefaultLetters()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range notify.Templates {
		d := sample
		_, _, html, err := l.Render(name, "en", d)
		if err != nil || strings.Contains(html, "<img") {
			t.Fatalf("%s without a logo: %v\n%s", name, err, html)
		}
		d.LogoURL = "https://market.example.com/logo.png?v=1&x=2"
		_, text, html, err := l.Render(name, "it", d)
		if err != nil || !strings.Contains(html, `<img src="https://market.example.com/logo.png?v=1&amp;x=2"`) || strings.Contains(text, "logo.png") {
			t.Fatalf("%s with a logo: %v\n%s", name, err, html)
		}
	}
}
