package web

import (
	"net/http"
	"strings"

	"github.com/mercato-market/mercato/internal/mercato"
)

// The users page: the users of the organizations the caller sees, whether
// each has accepted its invitation; admins invite new users (no password:
// the user sets it through the link it is mailed) and send an invitation
// again. The invitation page, /invitation, is where an invited user
// chooses its password and is signed in.

type usersData struct {
	Users     []mercato.User
	OrgNames  map[int64]string
	Orgs      []mercato.Organization
	Roles     []mercato.Role
	Languages []language
	Admin     bool
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, v *view) {
	ctx := r.Context()
	users, _, err := s.services.Accounts.ListUsers(ctx, v.P, 0, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	orgs, _, err := s.services.Accounts.ListOrganizations(ctx, v.P, mercato.OrganizationFilter{}, mercato.Page{Limit: 200})
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d := &usersData{Users: users, Orgs: orgs, OrgNames: map[int64]string{}, Admin: v.P.Role == mercato.RoleAdmin,
		Roles: []mercato.Role{mercato.RoleAdmin, mercato.RoleManager, mercato.RoleViewer}}
	for _, o := range orgs {
		d.OrgNames[o.ID] = o.Name
	}
	for _, code := range mercato.UserLanguages {
		d.Languages = append(d.Languages, language{Code: code, Name: languageNames[code]})
	}
	v.Title, v.Active, v.Data = s.say(r, "Users"), "/users", d
	s.render(w, r, http.StatusOK, "users.html", v)
}

// createUser invites a user: the answer is the same whether or not the
// address has an account elsewhere (the accounts service tells its holder
// instead).
func (s *Server) createUser(w http.ResponseWriter, r *http.Request, v *view) {
	org := formInt(r, "organization_id")
	if org == 0 {
		org = v.P.OrgID
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	_, err := s.services.Accounts.CreateUser(r.Context(), v.P, mercato.User{OrganizationID: org, Email: email,
		Name: r.PostFormValue("name"), Role: mercato.Role(r.PostFormValue("role")), Language: r.PostFormValue("language")})
	s.after(w, r, v, err, "/users", s.say(r, "An invitation is on its way to %v.", email))
}

func (s *Server) resendInvitation(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.services.Accounts.ResendInvitation(r.Context(), v.P, id)
	}
	s.after(w, r, v, err, "/users", s.say(r, "The invitation is sent again; the older link no longer works."))
}

type invitationData struct{ Token string }

// invitationPage asks an invited user for its password.
func (s *Server) invitationPage(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: s.say(r, "Choose your password"), Request: r, Data: invitationData{Token: r.FormValue("token")}}
	s.render(w, r, http.StatusOK, "invitation.html", v)
}

// acceptInvitation sets the password with the invitation's link and signs
// the user in.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	v := &view{Title: s.say(r, "Choose your password"), Request: r, Data: invitationData{Token: token}}
	var secret string
	if !s.passwordChosen(w, r, v, "invitation.html", func() (err error) {
		secret, err = s.services.Accounts.AcceptInvitation(r.Context(), token, r.PostFormValue("password"), s.ttl)
		return err
	}) {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", HttpOnly: true, Secure: !s.insecure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.ttl.Seconds())})
	s.setFlash(w, s.say(r, "Welcome: your password is set and you are signed in."))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
