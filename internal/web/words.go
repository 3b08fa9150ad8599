package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/locale"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The panel's words: every text a person reads goes through a words of
// the reader's language. The message id is the English text (English has
// no catalogue file); locales/it.json translates it. A text may carry
// printf verbs (%v in templates, any verb in Go), filled after
// translation, so a translation may move them.
//
//go:embed locales
var catalogueFiles embed.FS

// catalogue is the panel's message catalogues, English first.
var catalogue = mustCatalogue()

func mustCatalogue() *locale.Catalogue {
	c, err := locale.Load(catalogueFiles, "locales", mercato.UserLanguages...)
	if err != nil {
		panic(err) // embedded: TestCatalogueCoversEveryText catches it first
	}
	return c
}

// msgid marks a text the panel translates later (a menu entry, an enum's
// label), so that the catalogue test finds it.
func msgid(text string) string { return text }

// words translates into one language.
type words struct {
	lang string
	loc  *i18n.Localizer // nil for the default language
}

func wordsFor(lang string) words {
	if !catalogue.Has(lang) || lang == catalogue.Languages()[0] {
		return words{lang: catalogue.Languages()[0]}
	}
	return words{lang: lang, loc: i18n.NewLocalizer(catalogue.Bundle, lang)}
}

// T is text in the language, its verbs filled with args. A text the
// catalogue lacks stays English (TestCatalogueCoversEveryText fails on it).
func (w words) T(text string, args ...any) string {
	if w.loc != nil {
		if tr, err := w.loc.Localize(&i18n.LocalizeConfig{MessageID: text}); err == nil {
			text = tr
		}
	}
	if len(args) == 0 {
		return text
	}
	return fmt.Sprintf(text, args...)
}

// HTML is T for templates: the text is escaped, and so is each argument
// but HTML (a date's <time>, a badge), which stays as it is.
func (w words) HTML(text string, args ...any) template.HTML {
	safe := make([]any, len(args))
	for i, a := range args {
		if h, ok := a.(template.HTML); ok {
			safe[i] = string(h)
		} else {
			safe[i] = template.HTMLEscapeString(fmt.Sprint(a))
		}
	}
	text = template.HTMLEscapeString(w.T(text))
	if len(safe) == 0 {
		return template.HTML(text)
	}
	return template.HTML(fmt.Sprintf(text, safe...))
}

// langKey keys the reader's language in a request's context.
type langKey struct{}

// say is T in the language of the request's reader.
func (s *Server) say(r *http.Request, text string, args ...any) string {
	return wordsFor(s.langOf(r)).T(text, args...)
}

// langOf is the request's reader's language: the signed-in user's (put
// in the context by authed, or the session's user), else the language switch's cookie, else the
// best match of Accept-Language, else English.
func (s *Server) langOf(r *http.Request) string {
	if l, ok := r.Context().Value(langKey{}).(string); ok {
		return l
	}
	if id, ok := frontdoor.From(r.Context()); ok && id.User != nil && catalogue.Has(id.User.Language) {
		return id.User.Language
	}
	if c, err := r.Cookie(langCookie); err == nil && catalogue.Has(c.Value) {
		return c.Value
	}
	return catalogue.Match(r.Header.Get("Accept-Language"))
}

func withLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}
