package notify_test

import (
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// A user an admin creates is invited in its language, with a single-use
// link to /invitation (the message sensitive: its body is cleared once
// sent); an address another tenant's active user has gets, in that user's
// language, the notice that the organization tried to invite it, and no
// link. Both arrive in Mailpit.
func TestInvitationMessages(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{{Name: "invitations", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		m := newMarket(t, st, w)
		svcs := app.New(st, app.Options{Notify: []notify.Option{notify.WithPublicURL(publicURL)}})
		// The holders have accepted their invitations (one that has not
		// would be sent an invitation: the first accepted holds the
		// address).
		for _, holder := range []mercato.User{w.C1.User, w.C1b.User} {
			if err := svcs.Accounts.SetPassword(ctx, holder.ID, "the holder's own password"); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			by mercato.Principal
			u  mercato.User
		}{
			{w.C1.Principal, mercato.User{OrganizationID: w.C1.Org.ID, Email: "new-en@c1.example.org", Role: mercato.RoleManager}},
			{w.C1.Principal, mercato.User{OrganizationID: w.C1.Org.ID, Email: "new-it@c1.example.org", Role: mercato.RoleViewer, Language: "it"}},
			// C2's admin invites the address of C1's admin (Italian).
			{w.C2.Principal, mercato.User{OrganizationID: w.C2.Org.ID, Email: w.C1.User.Email, Role: mercato.RoleAdmin}},
			// and that of C1b's (English).
			{w.C2.Principal, mercato.User{OrganizationID: w.C2.Org.ID, Email: w.C1b.User.Email, Role: mercato.RoleViewer}},
		} {
			if _, err := svcs.Accounts.CreateUser(ctx, c.by, c.u); err != nil {
				t.Fatalf("%s: %v", c.u.Email, err)
			}
		}
		invites := only(t, m.outbox(), notify.Invitation, "new-en@c1.example.org", "new-it@c1.example.org")
		has(t, invites["new-en@c1.example.org"], "en", w.C1.Org.Name+" invites you", linksOf(invites["new-en@c1.example.org"].Text)[0])
		has(t, invites["new-it@c1.example.org"], "it", w.C1.Org.Name+" ti invita", linksOf(invites["new-it@c1.example.org"].Text)[0])
		for _, msg := range invites {
			if link := linksOf(msg.Text)[0]; !strings.HasPrefix(link, publicURL+"/invitation?token=") || !msg.Sensitive || !strings.Contains(msg.Text, "7 ") {
				t.Errorf("invitation %q sensitive %v:\n%s", link, msg.Sensitive, msg.Text)
			}
		}
		taken := only(t, m.outbox(), notify.AddressInUse, w.C1.User.Email, w.C1b.User.Email)
		has(t, taken[w.C1.User.Email], "it", w.C2.Org.Name+" ha provato a invitarti", publicURL+"/signin")
		has(t, taken[w.C1b.User.Email], "en", w.C2.Org.Name+" tried to invite you", publicURL+"/signin")
		for _, msg := range taken {
			if strings.Contains(msg.Text, "token=") || msg.Sensitive {
				t.Errorf("the notice to the holder carries a link to set a password:\n%s", msg.Text)
			}
		}
		t.Run("they arrive at Mailpit", func(t *testing.T) { arrive(t, m, notify.Invitation, notify.AddressInUse) })
	}}})
}
