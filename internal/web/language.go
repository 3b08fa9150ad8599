package web

import (
	"net/http"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/frontdoor"
)

// langCookie keeps the language chosen with the switch of the layout (and
// of the sign-in page) for a reader who is not signed in.
const langCookie = "mercato_lang"

// switchLanguage is the language switch: it remembers the choice in a
// cookie and, for a signed-in user, as the user's language (the panel's
// and the e-mail's, as the profile page sets it), then goes back.
func (s *Server) switchLanguage(w http.ResponseWriter, r *http.Request) {
	lang, next := r.PostFormValue("lang"), safeNext(r.PostFormValue("next"))
	if !catalogue.Has(lang) {
		s.errorPage(w, r, nil, http.StatusUnprocessableEntity, s.say(r, "There is no such language."))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/", HttpOnly: true, Secure: !s.insecure,
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	if id, ok := frontdoor.From(r.Context()); ok && id.User != nil {
		if _, err := s.services.Accounts.UpdateProfile(r.Context(), id.Principal, accounts.ProfileUpdate{Language: &lang}); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
