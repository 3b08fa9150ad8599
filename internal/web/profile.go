package web

import (
	"net/http"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
)

// profileData is the profile page: the user's own preferences.
type profileData struct {
	Languages []language
}

// language is a choice of the language of e-mail.
type language struct{ Code, Name string }

// languageNames are the languages users choose from, each in itself.
var languageNames = map[string]string{"en": "English", "it": "Italiano"}

// profilePage shows the user's own preferences: the language of its
// e-mail.
func (s *Server) profilePage(w http.ResponseWriter, r *http.Request, v *view) {
	d := &profileData{}
	for _, code := range mercato.UserLanguages {
		d.Languages = append(d.Languages, language{Code: code, Name: languageNames[code]})
	}
	v.Title, v.Active, v.Data = s.say(r, "Your profile"), "/profile", d
	s.render(w, r, http.StatusOK, "profile.html", v)
}

// saveProfile saves the user's own preferences (every user may).
func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request, v *view) {
	lang := r.PostFormValue("language")
	_, err := s.services.Accounts.UpdateProfile(r.Context(), v.P, accounts.ProfileUpdate{Language: &lang})
	s.after(w, r, v, err, "/profile", s.say(r, "Your profile is saved."))
}
