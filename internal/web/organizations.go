package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
)

// The operator's organizations: the list, a new organization with its
// first admin invited by e-mail (the users page's invitation), and an
// organization's page to edit it. The accounts service decides who may
// create which kind under which parent and who sets fees; the form only
// carries what was typed, and a refused form comes back with each field's
// error beside it and nothing written.

// orgForm is the organization form as typed.
type orgForm struct {
	Kind, Name, Parent, Email, Country, Currency, VATID, FeePercent string
	AddressLine, City, PostalCode                                   string
	OnAccount                                                       bool
	AdminEmail, AdminName, AdminLanguage                            string
}

type organizationsData struct {
	Orgs      []mercato.Organization
	OrgNames  map[int64]string
	Kinds     []mercato.OrgKind
	Languages []language
	Form      orgForm
	Errors    map[string]string
	Org       *mercato.Organization // the one edited
	// Terms shows the fields only the operator sets: the fee and buying
	// on account (not in a channel's form).
	Terms bool
}

func readOrgForm(r *http.Request) orgForm {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return orgForm{Kind: f("kind"), Name: f("name"), Parent: f("parent_id"), Email: strings.ToLower(f("email")), Country: strings.ToUpper(f("country")),
		Currency: strings.ToUpper(f("currency")), VATID: f("vat_id"), FeePercent: f("fee_percent"), AddressLine: f("address_line"), City: f("city"),
		PostalCode: f("postal_code"), OnAccount: r.PostFormValue("on_account") != "", AdminEmail: strings.ToLower(f("admin_email")),
		AdminName: f("admin_name"), AdminLanguage: f("admin_language")}
}

func formOf(o mercato.Organization) orgForm {
	f := orgForm{Kind: string(o.Kind), Name: o.Name, Email: o.Email, Country: o.Country, Currency: o.Currency, VATID: o.VATID,
		FeePercent: o.FeePercent, AddressLine: o.Address.Line, City: o.Address.City, PostalCode: o.Address.PostalCode, OnAccount: o.OnAccount}
	if o.ParentID != nil {
		f.Parent = strconv.FormatInt(*o.ParentID, 10)
	}
	return f
}

func (s *Server) organizationsData(r *http.Request, v *view) (*organizationsData, error) {
	if err := only(v.P, mercato.KindPlatform); err != nil {
		return nil, err
	}
	orgs, _, err := s.services.Accounts.ListOrganizations(r.Context(), v.P, mercato.OrganizationFilter{}, mercato.Page{Limit: 500})
	if err != nil {
		return nil, err
	}
	d := &organizationsData{Orgs: orgs, OrgNames: map[int64]string{}, Errors: map[string]string{}, Terms: true,
		Kinds: []mercato.OrgKind{mercato.KindCustomer, mercato.KindReseller, mercato.KindDistributor, mercato.KindVendor},
		Form:  orgForm{Kind: string(mercato.KindCustomer), Currency: "EUR", AdminLanguage: mercato.UserLanguages[0]}}
	for _, o := range orgs {
		d.OrgNames[o.ID] = o.Name
	}
	for _, code := range mercato.UserLanguages {
		d.Languages = append(d.Languages, language{Code: code, Name: languageNames[code]})
	}
	return d, nil
}

func (s *Server) organizationsPage(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := s.organizationsData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	v.Title, v.Active, v.Data = s.say(r, "Organizations"), "/admin/organizations", d
	s.render(w, r, http.StatusOK, "organizations.html", v)
}

// refused shows a form again with the fields' errors (prefix names the
// form's fields of another object: the admin's); false when err is not a
// refusal of the input.
func refused(err error, errs map[string]string, prefix string) bool {
	if mercato.ErrorCode(err) != mercato.EINVALID {
		return false
	}
	fields := mercato.Fields(err)
	if len(fields) == 0 {
		errs[""] = mercato.ErrorMessage(err)
	}
	for _, f := range fields {
		errs[prefix+f.Path] = f.Message
	}
	return true
}

// createOrganization creates an organization and invites its first admin.
func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request, v *view) {
	d, err := s.organizationsData(r, v)
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	d.Form = readOrgForm(r)
	o, flash, err := s.onboard(r, v, d.Form, d.Errors)
	path := "/admin/organizations/" + strconv.FormatInt(o.ID, 10)
	switch {
	case err == nil:
		s.back(w, r, path, flash)
	case o.ID != 0: // created, but its admin was not invited
		s.after(w, r, v, err, path, "")
	case refused(err, d.Errors, ""):
		v.Title, v.Active, v.Data = s.say(r, "Organizations"), "/admin/organizations", d
		s.render(w, r, http.StatusUnprocessableEntity, "organizations.html", v)
	default:
		s.fail(w, r, v, err)
	}
}

// onboard creates the organization of a form and invites its first admin
// by e-mail (the users page's invitation), on the operator's organizations
// page and on a channel's (channel.go). The form and its admin are checked
// first with the API's domain types, so that a bad field writes nothing:
// each field's error goes into errs, and the error returned is a refusal.
// It returns the organization created (ID 0: none) and the flash to show;
// an error with an organization created is the invitation's.
func (s *Server) onboard(r *http.Request, v *view, f orgForm, errs map[string]string) (mercato.Organization, string, error) {
	o := mercato.Organization{Kind: mercato.OrgKind(f.Kind), Name: f.Name, Email: f.Email, Country: f.Country, Currency: f.Currency,
		VATID: f.VATID, FeePercent: f.FeePercent, OnAccount: f.OnAccount, Address: mercato.Address{Line: f.AddressLine, City: f.City, PostalCode: f.PostalCode}}
	if f.Parent != "" {
		id, err := strconv.ParseInt(f.Parent, 10, 64)
		if err != nil {
			return mercato.Organization{}, "", mercato.Invalid("invalid organization", mercato.FieldError{Path: "parent_id", Message: "must be an organization"})
		}
		o.ParentID = &id
	}
	// The admin is checked first, so that a bad address writes nothing.
	u := mercato.User{Email: f.AdminEmail, Name: f.AdminName, Role: mercato.RoleAdmin, Language: f.AdminLanguage}
	if f.AdminEmail != "" {
		if err := u.Validate(); err != nil {
			refused(err, errs, "admin_")
		}
	}
	if err := o.Validate(); err != nil {
		refused(err, errs, "")
	}
	if len(errs) > 0 {
		return mercato.Organization{}, "", mercato.Invalid("invalid organization")
	}
	o, err := s.services.Accounts.CreateOrganization(r.Context(), v.P, o)
	if err != nil {
		return mercato.Organization{}, "", err
	}
	if f.AdminEmail == "" {
		return o, s.say(r, "%v is created.", o.Name), nil
	}
	u.OrganizationID = o.ID
	if _, err := s.services.Accounts.CreateUser(r.Context(), v.P, u); err != nil {
		return o, "", err
	}
	return o, s.say(r, "%v is created; an invitation is on its way to %v.", o.Name, u.Email), nil
}

func (s *Server) organizationPage(w http.ResponseWriter, r *http.Request, v *view) {
	s.showOrganization(w, r, v, nil, http.StatusOK)
}

// showOrganization renders an organization's page; form, when set, is
// what was typed (with d's errors), else the organization as it is.
func (s *Server) showOrganization(w http.ResponseWriter, r *http.Request, v *view, fill func(*organizationsData), status int) {
	d, err := s.organizationsData(r, v)
	if err == nil {
		var id int64
		if id, err = pathID(r, "id"); err == nil {
			var o mercato.Organization
			if o, err = s.services.Accounts.Organization(r.Context(), v.P, id); err == nil {
				d.Org, d.Form = &o, formOf(o)
			}
		}
	}
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	if fill != nil {
		fill(d)
	}
	v.Title, v.Active, v.Data = d.Org.Name, "/admin/organizations", d
	s.render(w, r, status, "organization.html", v)
}

// updateOrganization saves an organization's fields.
func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request, v *view) {
	id, err := pathID(r, "id")
	if err != nil {
		s.fail(w, r, v, err)
		return
	}
	f := readOrgForm(r)
	u := accounts.OrganizationUpdate{Name: &f.Name, Email: &f.Email, Country: &f.Country, Currency: &f.Currency, VATID: &f.VATID,
		Address: &mercato.Address{Line: f.AddressLine, City: f.City, PostalCode: f.PostalCode}, OnAccount: &f.OnAccount}
	if v.P.IsPlatform() {
		u.FeePercent = &f.FeePercent
	}
	o, err := s.services.Accounts.UpdateOrganization(r.Context(), v.P, id, u)
	if mercato.ErrorCode(err) == mercato.EINVALID {
		s.showOrganization(w, r, v, func(d *organizationsData) {
			f.Kind, f.Parent = d.Form.Kind, d.Form.Parent
			d.Form = f
			refused(err, d.Errors, "")
		}, http.StatusUnprocessableEntity)
		return
	}
	s.after(w, r, v, err, "/admin/organizations/"+strconv.FormatInt(id, 10), s.say(r, "%v is saved.", o.Name))
}
