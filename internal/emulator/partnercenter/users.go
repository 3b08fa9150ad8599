package partnercenter

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// CompanyAdministratorRole is the directory role of a tenant's global
// administrators (its well-known template id).
const CompanyAdministratorRole = "62e90394-69f5-4237-9190-012177145e10"

// directoryRoles are the roles the emulator knows.
var directoryRoles = []DirectoryRole{
	{ID: CompanyAdministratorRole, Name: "Company Administrator", Attributes: Attributes{ObjectType: "DirectoryRole"}},
	{ID: "fe930be7-5e62-47db-91af-98c3a49a38b1", Name: "User Account Administrator", Attributes: Attributes{ObjectType: "DirectoryRole"}},
	{ID: "729827e3-9c14-49f7-bb1b-9608f156bbb8", Name: "Helpdesk Administrator", Attributes: Attributes{ObjectType: "DirectoryRole"}},
}

// CustomerUser is a user of a customer's tenant.
type CustomerUser struct {
	ID                string           `json:"id"`
	UsageLocation     string           `json:"usageLocation"`
	UserPrincipalName string           `json:"userPrincipalName"`
	FirstName         string           `json:"firstName,omitempty"`
	LastName          string           `json:"lastName,omitempty"`
	DisplayName       string           `json:"displayName"`
	PasswordProfile   *PasswordProfile `json:"passwordProfile,omitempty"`
	UserDomainType    string           `json:"userDomainType"`
	State             string           `json:"state"`
	Attributes        Attributes       `json:"attributes"`
}

// PasswordProfile is a new user's password, only in the request.
type PasswordProfile struct {
	Password            string `json:"password"`
	ForceChangePassword bool   `json:"forceChangePassword"`
}

// DirectoryRole is a role of a tenant's directory.
type DirectoryRole struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Attributes Attributes `json:"attributes"`
}

// UserMember is a user holding a directory role.
type UserMember struct {
	ID                string     `json:"id"`
	DisplayName       string     `json:"displayName"`
	UserPrincipalName string     `json:"userPrincipalName"`
	RoleID            string     `json:"roleId"`
	Attributes        Attributes `json:"attributes"`
}

// addUserLocked adds u to customerID's directory.
func (e *Emulator) addUserLocked(customerID string, u CustomerUser) CustomerUser {
	u.ID, u.State, u.UserDomainType, u.PasswordProfile = newGUID(), "active", "none", nil
	u.Attributes = Attributes{ObjectType: "CustomerUser"}
	e.users[customerID] = append(e.users[customerID], &u)
	return u
}

func (e *Emulator) createUser(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	var in CustomerUser
	if !readBody(w, r, &in) {
		return
	}
	upn := strings.ToLower(strings.TrimSpace(in.UserPrincipalName))
	local, domain, _ := strings.Cut(upn, "@")
	switch {
	case local == "" || domain != c.CompanyProfile.Domain:
		writeError(w, http.StatusBadRequest, "400", fmt.Sprintf("userPrincipalName must be a name at the customer's domain %s.", c.CompanyProfile.Domain))
		return
	case strings.TrimSpace(in.DisplayName) == "":
		writeError(w, http.StatusBadRequest, "400", "displayName is required.")
		return
	case len(in.UsageLocation) != 2:
		writeError(w, http.StatusBadRequest, "400", "usageLocation must be a two-letter country code.")
		return
	case in.PasswordProfile == nil || len(in.PasswordProfile.Password) < 8:
		writeError(w, http.StatusBadRequest, "400", "passwordProfile.password must have at least 8 characters.")
		return
	}
	in.UserPrincipalName, in.UsageLocation = upn, strings.ToUpper(in.UsageLocation)
	e.mu.Lock()
	for _, u := range e.users[c.ID] {
		if u.UserPrincipalName == upn {
			e.mu.Unlock()
			writeError(w, http.StatusConflict, "2003", fmt.Sprintf("The user %s already exists.", upn))
			return
		}
	}
	out := e.addUserLocked(c.ID, in)
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (e *Emulator) listUsers(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	e.mu.Lock()
	var items []CustomerUser
	for _, u := range e.users[c.ID] {
		items = append(items, *u)
	}
	e.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return items[i].UserPrincipalName < items[j].UserPrincipalName })
	writeJSON(w, http.StatusOK, collection(items))
}

func (e *Emulator) listDirectoryRoles(w http.ResponseWriter, r *http.Request) {
	if c := e.customer(w, r); c != nil {
		writeJSON(w, http.StatusOK, collection(directoryRoles))
	}
}

func knownRole(id string) bool {
	for _, r := range directoryRoles {
		if strings.EqualFold(r.ID, id) {
			return true
		}
	}
	return false
}

// addRoleMember gives an existing user of the customer a directory role.
func (e *Emulator) addRoleMember(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	role := strings.ToLower(r.PathValue("role"))
	if !knownRole(role) {
		writeError(w, http.StatusNotFound, "600013", fmt.Sprintf("Directory role %s was not found.", role))
		return
	}
	var in UserMember
	if !readBody(w, r, &in) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, u := range e.users[c.ID] {
		if strings.EqualFold(u.ID, in.ID) {
			m := UserMember{ID: u.ID, DisplayName: u.DisplayName, UserPrincipalName: u.UserPrincipalName, RoleID: role, Attributes: Attributes{ObjectType: "UserMember"}}
			key := c.ID + "/" + role
			for _, have := range e.members[key] {
				if have.ID == m.ID {
					writeError(w, http.StatusConflict, "2004", "The user already holds the role.")
					return
				}
			}
			e.members[key] = append(e.members[key], m)
			writeJSON(w, http.StatusCreated, m)
			return
		}
	}
	writeError(w, http.StatusBadRequest, "400", fmt.Sprintf("The user %s is not a user of the customer.", in.ID))
}

func (e *Emulator) listRoleMembers(w http.ResponseWriter, r *http.Request) {
	c := e.customer(w, r)
	if c == nil {
		return
	}
	e.mu.Lock()
	items := append([]UserMember(nil), e.members[c.ID+"/"+strings.ToLower(r.PathValue("role"))]...)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, collection(items))
}
