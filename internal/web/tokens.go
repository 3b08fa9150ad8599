package web

import (
	"net/http"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
)

// The API tokens page: one's own tokens (name, the first characters that
// recognise it, when it was last used), a new one shown once, in the page
// that answers its creation (never in a redirect, a cookie or a log), and
// revoking. The accounts service keeps only the token's hash.

type tokensData struct {
	Tokens []mercato.Token
	Secret string // the token just created, shown this once
	Name   string
	Error  string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, v *view) {
	s.showTokens(w, r, v, &tokensData{}, http.StatusOK)
}

func (s *Server) showTokens(w http.ResponseWriter, r *http.Request, v *view, d *tokensData, status int) {
	var err error
	if d.Tokens, err = s.services.Accounts.ListTokens(r.Context(), v.P); err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active, v.Data = s.say(r, "API tokens"), "/tokens", d
	s.render(w, r, status, "tokens.html", v)
}

// createToken issues a token for the caller's own user and shows it once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, v *view) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	_, secret, err := s.services.Accounts.CreateToken(r.Context(), v.P, 0, name)
	if err != nil {
		errs := map[string]string{}
		if !refused(err, errs, "") {
			s.fail(w, r, v, err)
			return
		}
		msg := errs["name"]
		if msg == "" {
			msg = mercato.ErrorMessage(err)
		}
		s.showTokens(w, r, v, &tokensData{Name: name, Error: msg}, http.StatusUnprocessableEntity)
		return
	}
	v.Flash = s.say(r, "Copy the token now: it is not shown again.")
	s.showTokens(w, r, v, &tokensData{Secret: secret}, http.StatusOK)
}

// revokeToken deletes one of the caller's tokens.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.services.Accounts.DeleteToken(r.Context(), v.P, id)
	}
	s.after(w, r, v, err, "/tokens", s.say(r, "The token is revoked: it no longer works."))
}
