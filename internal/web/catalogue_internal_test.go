package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
)

var (
	// {{t "text" args}} and (t "text" args) in templates.
	templateText = regexp.MustCompile(`\bt ("(?:[^"\\]|\\.)*")`)
	// s.say(r, "text", …), msgid("text") and words' T("text", …) in Go.
	goText = regexp.MustCompile(`(?:\bsay\(r, |\bmsgid\(|\.T\()("(?:[^"\\]|\\.)*")`)
	verb   = regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
)

// panelTexts are the texts the panel says, each with where it is said: the
// templates' t, the Go code's say, msgid and T, and the menus.
func panelTexts(t *testing.T) map[string]string {
	t.Helper()
	texts := map[string]string{}
	add := func(where, quoted string) {
		text, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("%s: %s: %v", where, quoted, err)
		}
		texts[text] = where
	}
	pages, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pages {
		b, err := fs.ReadFile(assets, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range templateText.FindAllStringSubmatch(string(b), -1) {
			add(p, m[1])
			// Templates escape each argument into a string: %v only.
			text, _ := strconv.Unquote(m[1])
			for _, v := range verb.FindAllString(text, -1) {
				if v != "%v" && v != "%%" {
					t.Errorf("%s: %q: a template's text takes %%v only, not %s", p, text, v)
				}
			}
		}
	}
	sources, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sources {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goText.FindAllStringSubmatch(string(b), -1) {
			add(p, m[1])
		}
	}
	for _, k := range []mercato.OrgKind{mercato.KindPlatform, mercato.KindVendor, mercato.KindDistributor, mercato.KindReseller, mercato.KindCustomer} {
		for _, n := range navFor(mercato.Principal{OrgKind: k}, 0) {
			texts[n.Label] = "menu of " + string(k)
		}
	}
	return texts
}

// TestCatalogueCoversEveryText: every text of the panel has its Italian
// translation, with the same printf verbs; a catalogue entry no text uses
// is reported too, so the catalogue does not rot.
func TestCatalogueCoversEveryText(t *testing.T) {
	texts := panelTexts(t)
	if len(texts) < 300 {
		t.Fatalf("found only %d texts: the extraction is broken", len(texts))
	}
	italian := catalogue.IDs("it")
	var missing []string
	for text, where := range texts {
		if !slices.Contains(italian, text) {
			missing = append(missing, strconv.Quote(text)+" ("+where+")")
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("no Italian for %s", m)
	}
	it := wordsFor("it")
	for _, id := range italian {
		if _, ok := texts[id]; !ok {
			t.Errorf("catalogue it.json: %q is used nowhere", id)
			continue
		}
		want, got := verb.FindAllString(id, -1), verb.FindAllString(it.T(id), -1)
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(want, got) {
			t.Errorf("it.json: %q → %q: verbs %v, want %v", id, it.T(id), got, want)
		}
	}
}
