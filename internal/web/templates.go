package web

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/subscription"
)

// parsePageSets parses every page once per language of the catalogue,
// each set with the functions of its language (html/template cannot
// change a template's functions once it ran, so each language has its
// own set, built at start).
func parsePageSets() (map[string]map[string]*template.Template, error) {
	sets := map[string]map[string]*template.Template{}
	for _, lang := range catalogue.Languages() {
		pages, err := parsePages(wordsFor(lang))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", lang, err)
		}
		sets[lang] = pages
	}
	return sets, nil
}

// parsePages parses each page template together with the layout and the
// shared partials, so that pages can define the same block names.
func parsePages(w words) (map[string]*template.Template, error) {
	shared, err := fs.Glob(assets, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	fm := funcsFor(w)
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := path.Base(f)
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New(name).Funcs(fm).ParseFS(assets, append([]string{f}, shared...)...)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// funcs are the templates' functions that read the same in every
// language.
var funcs = template.FuncMap{
	"dec": func(d decimal.Decimal) string { return d.String() },
	"stars": func(avg float64) string {
		n := int(avg + 0.5)
		return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
	},
	"starsN": func(n int) string {
		if n < 0 || n > 5 {
			return ""
		}
		return strings.Repeat("★", n) + strings.Repeat("☆", 5-n)
	},
	"printf": fmt.Sprintf,
	"seq": func(a, b int) []int {
		var out []int
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
		return out
	},
	"sortedKeys": func(m map[string]string) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	},
	"deref": func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	},
	"lower": strings.ToLower,
	// inc is n+1: the 1-based number of the n-th row.
	"inc": func(n int) int { return n + 1 },
	// ended says a subscription in status st has ended (or is ending) for
	// good: it renews no more and takes no change.
	"ended": func(st subscription.Status) bool { return !subscription.Changeable(st) },
	// field is a form field for the "orgfield" template: its name, label,
	// value, error (beside it) and input type.
	"field": func(name string, label template.HTML, value, err, typ string) formField {
		return formField{Name: name, Label: label, Value: value, Error: err, Type: typ}
	},
}

// formField is one labelled input with its error.
type formField struct {
	Name  string
	Label template.HTML
	Value string
	Error string
	Type  string
}

// funcsFor is funcs with the functions of w's language: t (a text in
// words, {{t "Renews %v" (day .Date)}}), money and dates as the language
// writes them, and the labels of enums (the raw value in a title).
func funcsFor(w words) template.FuncMap {
	fm := template.FuncMap{
		"t": w.HTML,
		// money formats an amount in a currency, with its minor unit's
		// decimals (none for JPY, three for KWD).
		"money": w.money,
		// amount formats money to the currency's minor units, as invoices do.
		"amount": w.money,
		// when renders a time for app.js to show in the reader's time zone;
		// without JavaScript it reads in UTC.
		"when": w.when,
		"day":  w.day,
		// dayp is day for an optional time.
		"dayp": func(t *time.Time) template.HTML {
			if t == nil {
				return "—"
			}
			return w.day(*t)
		},
		"status":       w.status,
		"statusLabel":  w.statusLabel,
		"invoiceState": w.invoiceState,
		"docTitle":     w.documentTitle,
		"period":       w.period,
		"periodText":   w.periodText,
		"labelText":    w.labelText,
		"label":        w.label,
	}
	for k, f := range funcs {
		fm[k] = f
	}
	return fm
}

// Flash messages live for one redirect in a cookie.
const flashCookie = "mercato_flash"

func (s *Server) setFlash(w http.ResponseWriter, msg string) {
	if msg == "" {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/",
		HttpOnly: true, Secure: !s.insecure, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: !s.insecure, SameSite: http.SameSiteLaxMode})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) > 2000 {
		return ""
	}
	return string(b)
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
