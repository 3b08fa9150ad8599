package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/mercato-market/mercato/internal/locale"
	"github.com/mercato-market/mercato/internal/mail"
)

// Each message is templates/NAME.html (its HTML part, defining "body"),
// templates/NAME.txt (its text part, defining "body", and "subject"),
// laid out by templates/_layout.html and _layout.txt. Their words come
// from the message catalogues locales/LANG.json (go-i18n), one per
// language of mail.Languages, through the function t: {{t "id"}} is the
// catalogue entry id in the recipient's language, itself a template over
// the message's Data.
//
//go:embed all:templates locales
var files embed.FS

// Letters renders messages in every language of mail.Languages.
type Letters struct {
	bundle *i18n.Bundle
	html   map[string]*htmltemplate.Template
	text   map[string]*texttemplate.Template
}

var (
	defaultLetters     *Letters
	defaultLettersErr  error
	defaultLettersOnce sync.Once
)

// DefaultLetters returns the embedded templates and catalogues, parsed
// once. They are part of the binary, so an error is a bug, which
// TestEveryMessageInEveryLanguage catches.
func DefaultLetters() (*Letters, error) {
	defaultLettersOnce.Do(func() { defaultLetters, defaultLettersErr = ParseLetters(files) })
	return defaultLetters, defaultLettersErr
}

// labeled is a label with its value, for the layouts' "row" and "button".
type labeled struct{ Label, Value string }

func pair(label, value string) labeled { return labeled{label, value} }

// placeholder stands for t while parsing; Render binds the real one.
var placeholder = map[string]any{"t": func(string) (string, error) { return "", nil }, "pair": pair}

// ParseLetters parses the templates and catalogues of fsys.
func ParseLetters(fsys fs.FS) (*Letters, error) {
	cat, err := locale.Load(fsys, "locales", mail.Languages...)
	if err != nil {
		return nil, err
	}
	l := &Letters{bundle: cat.Bundle, html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}}
	names, err := fs.Glob(fsys, "templates/*.txt")
	if err != nil {
		return nil, err
	}
	for _, f := range names {
		name := strings.TrimSuffix(path.Base(f), ".txt")
		if strings.HasPrefix(name, "_") {
			continue
		}
		t, err := texttemplate.New(name).Funcs(placeholder).ParseFS(fsys, "templates/_layout.txt", f)
		if err != nil {
			return nil, fmt.Errorf("template %s.txt: %w", name, err)
		}
		h, err := htmltemplate.New(name).Funcs(placeholder).ParseFS(fsys, "templates/_layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("template %s.html: %w", name, err)
		}
		l.text[name], l.html[name] = t, h
	}
	return l, nil
}

// Render renders message name in language lang over d: its subject, text
// part and HTML part. A catalogue entry missing in lang is an error, not
// a fall back to English.
func (l *Letters) Render(name, lang string, d Data) (subject, text, html string, err error) {
	tt, ok := l.text[name]
	if !ok {
		return "", "", "", fmt.Errorf("no message %q", name)
	}
	loc := i18n.NewLocalizer(l.bundle, lang)
	// go-i18n answers an entry missing in lang with the default
	// language's and an error: the error fails the message.
	t := func(id string) (string, error) {
		return loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: d})
	}
	funcs := map[string]any{"t": t, "pair": pair}
	tc, err := tt.Clone()
	if err != nil {
		return "", "", "", err
	}
	tc = tc.Funcs(funcs)
	var sb, tb, hb bytes.Buffer
	if err := tc.ExecuteTemplate(&sb, "subject", d); err != nil {
		return "", "", "", fmt.Errorf("%s subject (%s): %w", name, lang, err)
	}
	if err := tc.ExecuteTemplate(&tb, "layout", d); err != nil {
		return "", "", "", fmt.Errorf("%s text (%s): %w", name, lang, err)
	}
	hc, err := l.html[name].Clone()
	if err != nil {
		return "", "", "", err
	}
	if err := hc.Funcs(funcs).ExecuteTemplate(&hb, "layout", struct {
		Data
		Lang string
	}{d, lang}); err != nil {
		return "", "", "", fmt.Errorf("%s HTML (%s): %w", name, lang, err)
	}
	// A subject is one line, whatever its template's spacing.
	subject = strings.Join(strings.Fields(sb.String()), " ")
	return subject, strings.TrimSpace(tb.String()) + "\n", hb.String(), nil
}
