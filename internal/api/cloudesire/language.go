package cloudesire

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Texts a vendor posts per language (end-user instructions, credential
// descriptions) are read back as one string, as Cloudesire's DTOs declare
// them: in the language the caller asks for with ?language=, else in
// English. Mercato keeps no locale per user, so English is the default.

// DefaultLanguage is the language of texts when the caller asks for none.
const DefaultLanguage = "en"

var languageTag = regexp.MustCompile(`^[A-Za-z]{2}([-_][A-Za-z]{2})?$`)

// language reads the caller's language: a two-letter code, optionally with
// a region (it, it-IT, it_IT), of which the language is kept.
func language(r *http.Request) (string, error) {
	v := r.URL.Query().Get("language")
	if v == "" {
		return DefaultLanguage, nil
	}
	if !languageTag.MatchString(v) {
		return "", mercato.Invalid("invalid language", mercato.FieldError{Path: "language", Message: "must be a two-letter language code, such as en or it"})
	}
	return strings.ToLower(v[:2]), nil
}

// localized picks the text in lang, else in English, else in the first
// language in alphabetical order (so the choice is stable); "" when there
// is no text at all.
func localized(texts map[string]string, lang string) string {
	if t, ok := texts[lang]; ok {
		return t
	}
	if t, ok := texts[DefaultLanguage]; ok {
		return t
	}
	langs := make([]string, 0, len(texts))
	for l := range texts {
		langs = append(langs, l)
	}
	if len(langs) == 0 {
		return ""
	}
	slices.Sort(langs)
	return texts[langs[0]]
}
