// Package locale holds what the e-mail (internal/notify) and the control
// panel (internal/web) share about languages: their message catalogues,
// go-i18n JSON files named after their language (DIR/LANG.json), and the
// choice of a reader's language from an Accept-Language header.
package locale

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Catalogue is the message catalogues of a set of languages, the first of
// which is the default.
type Catalogue struct {
	Bundle  *i18n.Bundle
	langs   []string
	ids     map[string][]string // the entries of each language's file
	matcher language.Matcher
}

// Load reads DIR/LANG.json of fsys for each of langs (the first is the
// default language). A language without a file has no entries: the
// control panel's default language, English, is its own catalogue (its
// message ids are the English text).
func Load(fsys fs.FS, dir string, langs ...string) (*Catalogue, error) {
	if len(langs) == 0 {
		return nil, errors.New("locale: no language")
	}
	tags := make([]language.Tag, len(langs))
	for i, l := range langs {
		tags[i] = language.Make(l)
	}
	c := &Catalogue{Bundle: i18n.NewBundle(tags[0]), langs: langs, ids: map[string][]string{}, matcher: language.NewMatcher(tags)}
	for _, l := range langs {
		f, err := c.Bundle.LoadMessageFileFS(fsys, path.Join(dir, l+".json"))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("catalogue %s: %w", l, err)
		}
		for _, m := range f.Messages {
			c.ids[l] = append(c.ids[l], m.ID)
		}
	}
	return c, nil
}

// IDs are the message ids of lang's catalogue file.
func (c *Catalogue) IDs(lang string) []string { return c.ids[lang] }

// Languages are the catalogue's languages, the default first.
func (c *Catalogue) Languages() []string { return c.langs }

// Match is the catalogue's language a reader with this Accept-Language
// header reads best; the default language when none fits or the header
// is malformed.
func (c *Catalogue) Match(acceptLanguage string) string {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return c.langs[0]
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No {
		return c.langs[0]
	}
	return c.langs[i]
}

// Has reports whether lang is one of the catalogue's languages.
func (c *Catalogue) Has(lang string) bool { return slices.Contains(c.langs, lang) }
