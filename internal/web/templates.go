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

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// parsePages parses each page template together with the layout and the
// shared partials, so that pages can define the same block names.
func parsePages() (map[string]*template.Template, error) {
	shared, err := fs.Glob(assets, "templates/_*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, f := range files {
		name := path.Base(f)
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(assets, append([]string{f}, shared...)...)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

var funcs = template.FuncMap{
	// money formats an amount in a currency, with its minor unit's
	// decimals (none for JPY, three for KWD).
	"money": func(d decimal.Decimal, currency string) string {
		return currency + " " + billing.Money(d, currency)
	},
	"dec": func(d decimal.Decimal) string { return d.String() },
	// when renders a time for app.js to show in the reader's time zone;
	// without JavaScript it reads in UTC.
	"when": func(t time.Time) template.HTML {
		if t.IsZero() {
			return "—"
		}
		t = t.UTC()
		return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time>`, t.Format(time.RFC3339), t.Format("2006-01-02 15:04 UTC")))
	},
	"day": dayOf,
	// status is a subscription status in words with its colour class.
	"status": func(st subscription.Status) template.HTML {
		class, words := "neutral", strings.ReplaceAll(strings.ToLower(string(st)), "_", " ")
		switch st {
		case subscription.Deployed:
			class, words = "ok", "running"
		case subscription.Pending, subscription.PostConfiguration, subscription.RequiresApproval, subscription.WaitingPayment:
			class = "wait"
			if st == subscription.Pending {
				words = "being set up"
			}
		case subscription.Failed, subscription.PaymentExpired:
			class = "bad"
		case subscription.Stopped, subscription.UndeploySent, subscription.Undeployed:
			class = "off"
			if st == subscription.UndeploySent {
				words = "cancelling"
			}
			if st == subscription.Undeployed {
				words = "cancelled"
			}
		}
		return template.HTML(fmt.Sprintf(`<span class="badge %s" title="%s">%s</span>`, class, template.HTMLEscapeString(string(st)), template.HTMLEscapeString(words)))
	},
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
	// amount formats money to the currency's minor units, as invoices do.
	"amount": func(d decimal.Decimal, currency string) string { return currency + " " + billing.Money(d, currency) },
	// dayp is day for an optional time.
	"dayp": func(t *time.Time) template.HTML {
		if t == nil {
			return "—"
		}
		return dayOf(*t)
	},
	"invoiceState": invoiceState,
	"docTitle":     documentTitle,
}

func dayOf(t time.Time) template.HTML {
	if t.IsZero() {
		return "—"
	}
	t = t.UTC()
	return template.HTML(fmt.Sprintf(`<time datetime="%s" data-date>%s</time>`, t.Format(time.RFC3339), t.Format("2006-01-02")))
}

// invoiceState is an invoice's state in words with its colour class: an
// issued invoice is due, or overdue once past its due date.
func invoiceState(inv billing.Invoice) template.HTML {
	class, words := "neutral", string(inv.Status)
	switch inv.Status {
	case billing.StatusPaid:
		class = "ok"
	case billing.StatusIssued:
		class, words = "wait", "due"
		if inv.Kind == billing.KindCreditNote {
			class, words = "neutral", "issued"
		} else if inv.DueAt != nil && time.Now().After(*inv.DueAt) {
			class, words = "bad", "overdue"
		}
	case billing.StatusVoid:
		class = "off"
	}
	return template.HTML(fmt.Sprintf(`<span class="badge %s" title="%s" data-state="%s">%s</span>`, class,
		template.HTMLEscapeString(string(inv.Status)), template.HTMLEscapeString(string(inv.Status)), template.HTMLEscapeString(words)))
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
