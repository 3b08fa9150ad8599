package partnercenter

import (
	"context"
	"net/http"
	"net/url"
)

// CompanyAdministratorRole is the directory role of a tenant's global
// administrators.
const CompanyAdministratorRole = "62e90394-69f5-4237-9190-012177145e10"

// CustomerUser is a user of a customer's tenant. PasswordProfile is sent
// when creating it and never read back.
type CustomerUser struct {
	ID                string `json:"id,omitempty"`
	UsageLocation     string `json:"usageLocation"`
	UserPrincipalName string `json:"userPrincipalName"`
	FirstName         string `json:"firstName,omitempty"`
	LastName          string `json:"lastName,omitempty"`
	DisplayName       string `json:"displayName"`
	PasswordProfile   *struct {
		Password            string `json:"password"`
		ForceChangePassword bool   `json:"forceChangePassword"`
	} `json:"passwordProfile,omitempty"`
	State string `json:"state,omitempty"`
}

// CreateUser creates a user in a customer's tenant with a first password
// to change at the first sign-in.
func (c *Client) CreateUser(ctx context.Context, customerID string, u CustomerUser, password string) (CustomerUser, error) {
	u.PasswordProfile = &struct {
		Password            string `json:"password"`
		ForceChangePassword bool   `json:"forceChangePassword"`
	}{Password: password, ForceChangePassword: true}
	var out CustomerUser
	_, _, err := c.do(ctx, call{method: http.MethodPost, path: "/customers/" + url.PathEscape(customerID) + "/users", body: u, out: &out})
	return out, err
}

// Users lists a customer's users.
func (c *Client) Users(ctx context.Context, customerID string) ([]CustomerUser, error) {
	var out collection[CustomerUser]
	_, _, err := c.do(ctx, call{method: http.MethodGet, path: "/customers/" + url.PathEscape(customerID) + "/users", out: &out})
	return out.Items, err
}

// AddRoleMember gives a customer's user a directory role (for instance
// CompanyAdministratorRole).
func (c *Client) AddRoleMember(ctx context.Context, customerID, roleID string, u CustomerUser) error {
	body := map[string]string{"id": u.ID, "displayName": u.DisplayName, "userPrincipalName": u.UserPrincipalName, "roleId": roleID}
	_, _, err := c.do(ctx, call{method: http.MethodPost, body: body,
		path: "/customers/" + url.PathEscape(customerID) + "/directoryroles/" + url.PathEscape(roleID) + "/usermembers"})
	return err
}

// RoleMembers lists the users holding a customer's directory role.
func (c *Client) RoleMembers(ctx context.Context, customerID, roleID string) ([]CustomerUser, error) {
	var out collection[CustomerUser]
	_, _, err := c.do(ctx, call{method: http.MethodGet, out: &out,
		path: "/customers/" + url.PathEscape(customerID) + "/directoryroles/" + url.PathEscape(roleID) + "/usermembers"})
	return out.Items, err
}
