package accounts_test

import (
	"context"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestInvitationLinks: a new user is invited with a link that works once,
// for InvitationTTL, and signs it in; a link sent again ends the one
// before; an expired link is refused; a user that accepted cannot be
// invited again; only admins send invitations.
func TestInvitationLinks(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{{Name: "invitations", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		now := storetest.Epoch
		st.Now = func() time.Time { return now }
		var links []notify.Invite
		mailer := func(ctx context.Context, tx notify.MailTx, in notify.Invite) error {
			links = append(links, in)
			return nil
		}
		svc := accounts.New(st, store.TxFunc[accounts.Tx](st), accounts.WithInviteMail(mailer))
		u, err := svc.CreateUser(ctx, w.C1.Principal, mercato.User{OrganizationID: w.C1.Org.ID, Email: "invited@c1.test", Role: mercato.RoleViewer})
		if err != nil || !u.Invited || len(links) != 1 || links[0].User.ID != u.ID || links[0].TTL != accounts.InvitationTTL || links[0].Organization != w.C1.Org.Name {
			t.Fatalf("created %+v (%v), mailed %+v", u, err, links)
		}
		const pw = "a long enough password"
		if err := svc.ResendInvitation(ctx, w.C1.Principal, u.ID); err != nil || len(links) != 2 || links[1].Secret == links[0].Secret {
			t.Fatalf("resend: %v %+v", err, links)
		}
		if _, err := svc.AcceptInvitation(ctx, links[0].Secret, pw, time.Hour); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("the link sent before: %v", err)
		}
		now = now.Add(accounts.InvitationTTL + time.Minute)
		if _, err := svc.AcceptInvitation(ctx, links[1].Secret, pw, time.Hour); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("an expired link: %v", err)
		}
		if err := svc.ResendInvitation(ctx, w.C1.Principal, u.ID); err != nil {
			t.Fatal(err)
		}
		session, err := svc.AcceptInvitation(ctx, links[2].Secret, pw, time.Hour)
		if err != nil || session == "" {
			t.Fatalf("accept: %q %v", session, err)
		}
		if p, _, err := st.Session(ctx, session); err != nil || p.UserID != u.ID {
			t.Fatalf("the session is %+v's (%v)", p, err)
		}
		if p, err := svc.CheckPassword(ctx, u.Email, pw); err != nil || p.UserID != u.ID {
			t.Fatalf("sign in with the chosen password: %+v %v", p, err)
		}
		if _, err := svc.AcceptInvitation(ctx, links[2].Secret, "another long password", time.Hour); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("an accepted link again: %v", err)
		}
		if got, _ := svc.User(ctx, w.C1.Principal, u.ID); got.Invited {
			t.Fatal("still invited after accepting")
		}
		if err := svc.ResendInvitation(ctx, w.C1.Principal, u.ID); mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("resend to an active user: %v", err)
		}
		viewer := member(t, st, w.C1, "viewer@c1.test", mercato.RoleViewer)
		if err := svc.ResendInvitation(ctx, w.C2.Principal, viewer.UserID); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("another tenant's user: %v", err)
		}
		if len(links) != 3 {
			t.Fatalf("%d messages", len(links))
		}
	}}})
}
