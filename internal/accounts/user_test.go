package accounts_test

import (
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestUserRules: admins manage the users of the organizations they see,
// never removing or demoting themselves; every value is checked; a
// refusal writes nothing.
func TestUserRules(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service) {
		manager := member(t, st, w.C1, "manager@c1.test", mercato.RoleManager)
		colleague := member(t, st, w.C1, "colleague@c1.test", mercato.RoleViewer)
		newUser := func(org int64, email string, role mercato.Role) mercato.User {
			return mercato.User{OrganizationID: org, Email: email, Role: role}
		}
		for _, c := range []struct {
			name  string
			run   func() error
			code  string
			field string
		}{
			// Creating users.
			{"an admin adds a user to its organization", func() error {
				u, err := svc.CreateUser(ctx, w.C1.Principal, newUser(w.C1.Org.ID, "  New@C1.Test ", mercato.RoleViewer))
				if err == nil && u.Email != "new@c1.test" {
					t.Fatalf("email %q, want it trimmed and in lower case", u.Email)
				}
				return err
			}, "", ""},
			{"the reseller's admin adds a user to its customer", func() error {
				_, err := svc.CreateUser(ctx, w.R1.Principal, newUser(w.C1.Org.ID, "by-r1@c1.test", mercato.RoleAdmin))
				return err
			}, "", ""},
			{"another channel's organization", func() error {
				_, err := svc.CreateUser(ctx, w.C2.Principal, newUser(w.C1.Org.ID, "x@c1.test", mercato.RoleAdmin))
				return err
			}, mercato.EINVALID, "organization_id"},
			{"a manager adds a user", func() error {
				_, err := svc.CreateUser(ctx, manager, newUser(w.C1.Org.ID, "x@c1.test", mercato.RoleViewer))
				return err
			}, mercato.EFORBIDDEN, ""},
			// (An address another tenant holds is not told:
			// TestInvitationLinks, api's TestCreateUserDoesNotTellTakenAddresses.)
			{"an email already taken in one's organization", func() error {
				_, err := svc.CreateUser(ctx, w.C1.Principal, newUser(w.C1.Org.ID, "COLLEAGUE@c1.test", mercato.RoleViewer))
				return err
			}, mercato.ECONFLICT, ""},
			{"not an email", func() error {
				_, err := svc.CreateUser(ctx, w.C1.Principal, newUser(w.C1.Org.ID, "nobody", mercato.RoleViewer))
				return err
			}, mercato.EINVALID, "email"},
			{"unknown role", func() error {
				_, err := svc.CreateUser(ctx, w.C1.Principal, newUser(w.C1.Org.ID, "x@c1.test", "owner"))
				return err
			}, mercato.EINVALID, "role"},
			{"control character in the name", func() error {
				u := newUser(w.C1.Org.ID, "x@c1.test", mercato.RoleViewer)
				u.Name = "Mallory\x07"
				_, err := svc.CreateUser(ctx, w.C1.Principal, u)
				return err
			}, mercato.EINVALID, "name"},
			// Changing users.
			{"an admin demotes itself", func() error {
				_, err := svc.UpdateUser(ctx, w.C1.Principal, w.C1.User.ID, accounts.UserUpdate{Role: new(mercato.RoleManager)})
				return err
			}, mercato.ECONFLICT, ""},
			{"a manager promotes itself", func() error {
				_, err := svc.UpdateUser(ctx, manager, manager.UserID, accounts.UserUpdate{Role: new(mercato.RoleAdmin)})
				return err
			}, mercato.EFORBIDDEN, ""},
			{"another channel's user", func() error {
				_, err := svc.UpdateUser(ctx, w.C2.Principal, w.C1.User.ID, accounts.UserUpdate{Name: new("stolen")})
				return err
			}, mercato.ENOTFOUND, ""},
			{"an unknown role", func() error {
				_, err := svc.UpdateUser(ctx, w.C1.Principal, colleague.UserID, accounts.UserUpdate{Role: new(mercato.Role("owner"))})
				return err
			}, mercato.EINVALID, "role"},
			{"an admin renames itself", func() error {
				_, err := svc.UpdateUser(ctx, w.C1.Principal, w.C1.User.ID, accounts.UserUpdate{Name: new("Chief"), Role: new(mercato.RoleAdmin)})
				return err
			}, "", ""},
			{"an admin promotes a colleague", func() error {
				u, err := svc.UpdateUser(ctx, w.C1.Principal, colleague.UserID, accounts.UserUpdate{Role: new(mercato.RoleManager)})
				if err == nil && u.Role != mercato.RoleManager {
					t.Fatalf("role %s", u.Role)
				}
				return err
			}, "", ""},
			// Removing users.
			{"an admin removes itself", func() error { return svc.DeleteUser(ctx, w.C1.Principal, w.C1.User.ID) }, mercato.ECONFLICT, ""},
			{"a manager removes a colleague", func() error { return svc.DeleteUser(ctx, manager, colleague.UserID) }, mercato.EFORBIDDEN, ""},
			{"another channel's user is removed", func() error { return svc.DeleteUser(ctx, w.R2.Principal, w.C1.User.ID) }, mercato.ENOTFOUND, ""},
		} {
			t.Run(c.name, func(t *testing.T) {
				if c.code == "" {
					if err := c.run(); err != nil {
						t.Fatal(err)
					}
					return
				}
				before, err := st.User(ctx, w.Platform.Principal, w.C1.User.ID)
				if err != nil {
					t.Fatal(err)
				}
				storetest.Unchanged(t, st, func() { mustRefuse(t, c.run(), c.code, c.field) })
				if after, _ := st.User(ctx, w.Platform.Principal, w.C1.User.ID); after != before {
					t.Fatalf("C1's admin changed: %+v -> %+v", before, after)
				}
			})
		}

		// The reseller's admin removes C1's admin: its tokens stop working,
		// and the user's events tell the story.
		if err := svc.DeleteUser(ctx, w.R1.Principal, w.C1.User.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Authenticate(ctx, w.C1.Token); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("token of a removed user: %v", err)
		}
		evs, _, _ := st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: subscription.EntityUser, EntityID: w.C1.User.ID}, store.Page{})
		var types []string
		for _, e := range evs {
			types = append(types, e.Type)
		}
		if strings.Join(types, ",") != "CREATED,MODIFIED,DELETED" {
			t.Fatalf("user events %v", types)
		}
		if got := strings.Join(audited(t, st, "user", w.C1.User.ID), ","); got != "user.create,user.update,user.delete" {
			t.Fatalf("audit %s", got)
		}
	})
}

// TestTokenRules: anyone issues and revokes its own tokens; admins issue
// tokens to the other users they manage; the secret is shown once.
func TestTokenRules(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service) {
		manager := member(t, st, w.C1, "manager@c1.test", mercato.RoleManager)
		for _, c := range []struct {
			name   string
			by     mercato.Principal
			userID int64
			tname  string
			code   string
			field  string
		}{
			{"a manager for itself", manager, 0, "ci", "", ""},
			{"an admin for itself, by id", w.C1.Principal, w.C1.User.ID, "ci", "", ""},
			{"an admin for a user it manages", w.C1.Principal, manager.UserID, "deploy", "", ""},
			{"the reseller's admin for its customer's user", w.R1.Principal, manager.UserID, "support", "", ""},
			{"a manager for its admin", manager, w.C1.User.ID, "steal", mercato.EFORBIDDEN, ""},
			{"for another channel's user", w.C2.Principal, w.C1.User.ID, "steal", mercato.ENOTFOUND, ""},
			{"without a name", w.C1.Principal, 0, "", mercato.EINVALID, "name"},
			{"with a long name", w.C1.Principal, 0, strings.Repeat("t", 101), mercato.EINVALID, "name"},
		} {
			t.Run(c.name, func(t *testing.T) {
				if c.code != "" {
					storetest.Unchanged(t, st, func() {
						_, _, err := svc.CreateToken(ctx, c.by, c.userID, c.tname)
						mustRefuse(t, err, c.code, c.field)
					})
					return
				}
				tok, secret, err := svc.CreateToken(ctx, c.by, c.userID, c.tname)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(secret, "mct_") || len(secret) < 40 || tok.Prefix != secret[:8] {
					t.Fatalf("secret %q prefix %q", secret, tok.Prefix)
				}
				want := c.userID
				if want == 0 {
					want = c.by.UserID
				}
				p, err := st.Authenticate(ctx, secret)
				if err != nil || p.UserID != want {
					t.Fatalf("the token acts as %+v (%v), want user %d", p, err, want)
				}
			})
		}

		tok, secret, err := svc.CreateToken(ctx, manager, 0, "short-lived")
		if err != nil {
			t.Fatal(err)
		}
		storetest.Unchanged(t, st, func() { mustRefuse(t, svc.DeleteToken(ctx, w.C1.Principal, tok.ID), mercato.ENOTFOUND, "") })
		if err := svc.DeleteToken(ctx, manager, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Authenticate(ctx, secret); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("revoked token: %v", err)
		}
		toks, err := svc.ListTokens(ctx, manager)
		if err != nil || len(toks) != 3 { // its own "ci", and "deploy" and "support" from admins
			t.Fatalf("the manager's tokens: %+v %v", toks, err)
		}
		if got := strings.Join(audited(t, st, "user", manager.UserID), ","); got != "user.create,token.create,token.create,token.create,token.create,token.delete" {
			t.Fatalf("audit %s", got)
		}
	})
}
