package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
)

// User is a person acting for an organization.
type User struct {
	ID             int64     `json:"id"`
	OrganizationID int64     `json:"organization_id"`
	Email          string    `json:"email"`
	Name           string    `json:"name"`
	Role           string    `json:"role" enum:"admin,manager,viewer"`
	Language       string    `json:"language" enum:"en,it" doc:"the language of the user's e-mail"`
	Username       string    `json:"username,omitempty" doc:"a name to sign in with beside the e-mail (HTTP Basic, CMW-Auth-User, the control panel)"`
	Invited        bool      `json:"invited" doc:"true until the user sets its password with the link of its invitation"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func userOf(u mercato.User) User {
	return User{ID: u.ID, OrganizationID: u.OrganizationID, Email: u.Email, Name: u.Name, Role: string(u.Role), Language: u.Language, Username: u.UserName, Invited: u.Invited, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// UserCreate is the body of POST /api/v1/users.
type UserCreate struct {
	OrganizationID int64  `json:"organization_id" minimum:"1"`
	Email          string `json:"email" format:"email" maxLength:"254"`
	Name           string `json:"name,omitempty" maxLength:"200"`
	Role           string `json:"role" enum:"admin,manager,viewer"`
	Language       string `json:"language,omitempty" enum:"en,it" doc:"the language of the user's e-mail, its invitation first; English when absent"`
	Username       string `json:"username,omitempty" maxLength:"64" doc:"optional: a name to sign in with beside the e-mail (3 to 64 letters, digits, '.', '_', '-'; no '@'), unique whatever the case"`
}

// UserUpdate is the body of PATCH /api/v1/users/{id}.
type UserUpdate struct {
	Name *string `json:"name,omitempty" maxLength:"200"`
	Role *string `json:"role,omitempty" enum:"admin,manager,viewer"`
	// Username sets the user name; "" removes it.
	Username *string `json:"username,omitempty" maxLength:"64" doc:"a name to sign in with beside the e-mail; empty removes it"`
}

// ProfileUpdate is the body of PATCH /api/v1/me.
type ProfileUpdate struct {
	Name     *string `json:"name,omitempty" maxLength:"200"`
	Language *string `json:"language,omitempty" enum:"en,it" doc:"the language of your e-mail"`
}

// Token is an API token; its secret appears only in the answer that creates it.
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" doc:"the first characters of the secret, to recognise it"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	Token      string     `json:"token,omitempty" doc:"the secret: shown once, at creation"`
}

func tokenOf(t mercato.Token) Token {
	return Token{ID: t.ID, UserID: t.UserID, Name: t.Name, Prefix: t.Prefix, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt}
}

// TokenCreate is the body of POST /api/v1/tokens.
type TokenCreate struct {
	Name   string `json:"name" minLength:"1" maxLength:"100"`
	UserID int64  `json:"user_id,omitempty" minimum:"1" doc:"another user of an organization you administer; yourself when absent"`
}

func (s *Server) registerUsers() {
	tags := []string{"Users"}
	register(s, huma.Operation{OperationID: "list-users", Description: "Lists the users of the organizations the caller can see, optionally of one organization, one page at a time. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/users", Summary: "List users you can see", Tags: tags},
		func(ctx context.Context, in *struct {
			ListInput
			OrganizationID int64 `query:"organization_id" minimum:"0"`
		}) (*ListOutput[User], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]mercato.User, int64, error) {
				return s.services.Accounts.ListUsers(ctx, principal(ctx), in.OrganizationID, p)
			}, userOf)
		})
	register(s, huma.Operation{OperationID: "get-user", Description: "Returns one user of an organization the caller can see; others answer 404. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/users/{id}", Summary: "Get a user", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[User], error) {
			u, err := s.services.Accounts.User(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(userOf(u)), nil
		})
	register(s, huma.Operation{OperationID: "create-user", Description: "Adds a user with a role (admin, manager or viewer) to an organization the caller can see and invites it: no password is set here; the user is mailed, in its language, a link that works once for 7 days, where it chooses its password and is signed in (`invited` is true until then). Only admins manage users, of their own organization or of organizations below theirs. An e-mail a user the caller can see already has is a conflict (409); an e-mail held in an organization the caller cannot see is answered exactly as a new one, and the user is kept as a new one is (read, listed, its invitation sent again, removed, its events and webhooks alike), so this operation does not tell which addresses have accounts. Such a user does not hold its address: the holder is told by e-mail instead, its account is untouched, and the user cannot sign in; if the holder goes away, sending the invitation again sends a link. When two organizations invite one address, the first invitation accepted holds it and the other's link is refused with a message saying so. A user name already taken is a conflict (409): user names are public sign-in handles, not contact addresses. Written to the audit log.", Method: http.MethodPost, Path: "/api/v1/users", Summary: "Add a user to an organization", Tags: tags},
		func(ctx context.Context, in *struct{ Body UserCreate }) (*Output[User], error) {
			u, err := s.services.Accounts.CreateUser(ctx, principal(ctx), mercato.User{OrganizationID: in.Body.OrganizationID, Email: in.Body.Email, Name: in.Body.Name, Role: mercato.Role(in.Body.Role), Language: in.Body.Language, UserName: in.Body.Username})
			if err != nil {
				return nil, err
			}
			return out(userOf(u)), nil
		})
	register(s, huma.Operation{OperationID: "resend-invitation", Description: "Mails a user that has not yet set its password a new invitation link (valid 7 days); the older link stops working. For a user whose address an account of an organization the caller cannot see holds, the holder is told again instead, with the same answer. Only admins manage users; a user that accepted its invitation is a conflict (409). Written to the audit log.", Method: http.MethodPost, Path: "/api/v1/users/{id}/invitation", Summary: "Send a user's invitation again", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDInput) (*NoContent, error) {
			return nil, s.services.Accounts.ResendInvitation(ctx, principal(ctx), in.ID)
		})
	register(s, huma.Operation{OperationID: "update-user", Description: "Changes a user's name or role. Only admins manage users; nobody demotes the last admin of an organization (409). Written to the audit log.", Method: http.MethodPatch, Path: "/api/v1/users/{id}", Summary: "Change a user's name or role", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body UserUpdate
		}) (*Output[User], error) {
			var role *mercato.Role
			if in.Body.Role != nil {
				r := mercato.Role(*in.Body.Role)
				role = &r
			}
			u, err := s.services.Accounts.UpdateUser(ctx, principal(ctx), in.ID, accounts.UserUpdate{Name: in.Body.Name, Role: role, UserName: in.Body.Username})
			if err != nil {
				return nil, err
			}
			return out(userOf(u)), nil
		})
	register(s, huma.Operation{OperationID: "delete-user", Description: "Removes a user and its API tokens. Only admins manage users, and nobody removes themselves (409). Written to the audit log.", Method: http.MethodDelete, Path: "/api/v1/users/{id}", Summary: "Remove a user", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDInput) (*NoContent, error) {
			return nil, s.services.Accounts.DeleteUser(ctx, principal(ctx), in.ID)
		})
	register(s, huma.Operation{OperationID: "get-me", Description: "Returns the user the calling token acts as: a cheap way to test a token. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/me", Summary: "The user your token acts as", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*Output[User], error) {
			p := principal(ctx)
			u, err := s.services.Accounts.User(ctx, p, p.UserID)
			if err != nil {
				return nil, err
			}
			return out(userOf(u)), nil
		})
	register(s, huma.Operation{OperationID: "update-me", Description: "Changes the caller's own name or language (en or it: the language of the e-mail it receives). Every user may, read-only ones too: it is their own preference. Written to the audit log.", Method: http.MethodPatch, Path: "/api/v1/me", Summary: "Change your name or language", Tags: tags,
		Metadata: map[string]any{onlyReads: true}}, // one's own preference, which read-only users set too
		func(ctx context.Context, in *struct{ Body ProfileUpdate }) (*Output[User], error) {
			u, err := s.services.Accounts.UpdateProfile(ctx, principal(ctx), accounts.ProfileUpdate{Name: in.Body.Name, Language: in.Body.Language})
			if err != nil {
				return nil, err
			}
			return out(userOf(u)), nil
		})

	tags = []string{"Tokens"}
	register(s, huma.Operation{OperationID: "list-tokens", Description: "Lists the caller's own API tokens with their prefix and last use, never their secrets. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/tokens", Summary: "List your API tokens", Tags: tags},
		func(ctx context.Context, _ *struct{}) (*ListOutput[Token], error) {
			items, err := s.services.Accounts.ListTokens(ctx, principal(ctx))
			if err != nil {
				return nil, err
			}
			return listOf(items, 0, tokenOf), nil
		})
	register(s, huma.Operation{OperationID: "create-token", Description: "Creates an API token for the caller, or for another user of an organization the caller administers (admins only). The secret is in this answer only; it is stored as a hash. Written to the audit log.", Method: http.MethodPost, Path: "/api/v1/tokens", Summary: "Create an API token (its secret is shown once)", Tags: tags},
		func(ctx context.Context, in *struct{ Body TokenCreate }) (*Output[Token], error) {
			t, secret, err := s.services.Accounts.CreateToken(ctx, principal(ctx), in.Body.UserID, in.Body.Name)
			if err != nil {
				return nil, err
			}
			body := tokenOf(t)
			body.Token = secret
			return out(body), nil
		})
	register(s, huma.Operation{OperationID: "delete-token", Description: "Revokes one of the caller's API tokens at once: requests with it answer 401 from then on. Written to the audit log.", Method: http.MethodDelete, Path: "/api/v1/tokens/{id}", Summary: "Revoke one of your API tokens", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDInput) (*NoContent, error) {
			return nil, s.services.Accounts.DeleteToken(ctx, principal(ctx), in.ID)
		})
}
