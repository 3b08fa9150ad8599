package accounts_test

import (
	"context"
	"slices"
	"strings"
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

// TestPendingAddresses (issue 16 item 14): users invited with an address
// another tenant's user holds. Two tenants invite one free address: both
// links are sent, the first accepted holds the address and the other is
// refused with a clear message, after which that tenant's resend tells the
// holder instead. A user whose address an active user holds gets no link;
// once the holder is deleted, a resend sends it one, which works. Sign-in
// and password resets never reach a user that does not hold its address.
func TestPendingAddresses(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{{Name: "first to accept", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		var sent []notify.Invite
		svc := accounts.New(st, store.TxFunc[accounts.Tx](st), accounts.WithInviteMail(func(ctx context.Context, tx notify.MailTx, in notify.Invite) error {
			sent = append(sent, in)
			return nil
		}))
		const address = "both@example.org"
		in1, err := svc.CreateUser(ctx, w.C1.Principal, mercato.User{OrganizationID: w.C1.Org.ID, Email: address, Role: mercato.RoleViewer})
		if err != nil {
			t.Fatal(err)
		}
		in2, err := svc.CreateUser(ctx, w.C2.Principal, mercato.User{OrganizationID: w.C2.Org.ID, Email: address, Role: mercato.RoleViewer, UserName: "second-invite"})
		if err != nil {
			t.Fatal(err)
		}
		if len(sent) != 2 || sent[0].Taken || sent[1].Taken || sent[0].User.ID != in1.ID || sent[1].User.ID != in2.ID || sent[1].User.Email != address {
			t.Fatalf("mailed %+v", sent)
		}
		// Until one accepts, the address signs in as nobody and a reset
		// reaches the user that invited it first.
		if _, err := svc.CheckPassword(ctx, "second-invite", ""); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("the user name of a user without its address: %v", err)
		}
		if _, u, err := svc.CreatePasswordReset(ctx, address, time.Hour); err != nil || u.ID != in1.ID {
			t.Fatalf("reset for %+v (%v), want user %d", u, err, in1.ID)
		}
		// (which ended the first user's link: its admin sends it again)
		if err := svc.ResendInvitation(ctx, w.C1.Principal, in1.ID); err != nil || len(sent) != 3 || sent[2].Taken || sent[2].User.ID != in1.ID {
			t.Fatalf("resend: %v, mailed %+v", err, sent)
		}
		const pw = "the second tenant's password"
		if _, err := svc.AcceptInvitation(ctx, sent[1].Secret, pw, time.Hour); err != nil {
			t.Fatalf("the second invitation accepted first: %v", err)
		}
		if p, err := svc.CheckPassword(ctx, address, pw); err != nil || p.UserID != in2.ID || p.OrgID != w.C2.Org.ID {
			t.Fatalf("the address signs in as %+v (%v)", p, err)
		}
		_, err = svc.AcceptInvitation(ctx, sent[2].Secret, "the first tenant's password", time.Hour)
		if mercato.ErrorCode(err) != mercato.EINVALID || !strings.Contains(mercato.ErrorMessage(err), "already has an account") {
			t.Fatalf("the first invitation after the second was accepted: %v", err)
		}
		// The first tenant's user is kept and reads as before.
		got, err := svc.User(ctx, w.C1.Principal, in1.ID)
		if err != nil || got.Email != address || !got.Invited {
			t.Fatalf("the first tenant's user: %+v (%v)", got, err)
		}
		if err := svc.ResendInvitation(ctx, w.C1.Principal, in1.ID); err != nil {
			t.Fatal(err)
		}
		if last := sent[len(sent)-1]; !last.Taken || last.User.ID != in2.ID || last.Secret != "" {
			t.Fatalf("the resend mailed %+v, want a notice to the holder", last)
		}
		if p, err := svc.CheckPassword(ctx, address, pw); err != nil || p.UserID != in2.ID {
			t.Fatalf("after the resend the address signs in as %+v (%v)", p, err)
		}
	}}, {Name: "concurrent invitations", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		svc := accounts.New(st, store.TxFunc[accounts.Tx](st))
		// Tenants that cannot see each other's users invite one free
		// address at once: each is answered with a new user, one of which
		// holds the address.
		tenants := []storetest.Tenant{w.C1, w.C2, w.VendorA, w.VendorB}
		errs := make(chan error, len(tenants))
		for _, tn := range tenants {
			go func() {
				_, err := svc.CreateUser(ctx, tn.Principal, mercato.User{OrganizationID: tn.Org.ID, Email: "race@example.org", Role: mercato.RoleViewer})
				errs <- err
			}()
		}
		for range tenants {
			if err := <-errs; err != nil {
				t.Errorf("an invitation: %v", err)
			}
		}
		if _, err := st.UserByEmail(ctx, "race@example.org"); err != nil {
			t.Fatalf("nobody holds the address: %v", err)
		}
		for _, tn := range tenants {
			if us, _, err := st.ListUsers(ctx, tn.Principal, tn.Org.ID, store.Page{}); err != nil || !slices.ContainsFunc(us, func(u mercato.User) bool { return u.Email == "race@example.org" }) {
				t.Errorf("%s has no user of the address: %v", tn.Org.Name, err)
			}
		}
	}}, {Name: "holder deleted", Run: func(t *testing.T, st *store.Store, w *storetest.World) {
		var sent []notify.Invite
		svc := accounts.New(st, store.TxFunc[accounts.Tx](st), accounts.WithInviteMail(func(ctx context.Context, tx notify.MailTx, in notify.Invite) error {
			sent = append(sent, in)
			return nil
		}))
		holder := member(t, st, w.C1, "holder@c1.test", mercato.RoleViewer)
		if err := svc.SetPassword(ctx, holder.UserID, "the holder's password"); err != nil {
			t.Fatal(err)
		}
		u, err := svc.CreateUser(ctx, w.C2.Principal, mercato.User{OrganizationID: w.C2.Org.ID, Email: "holder@c1.test", Role: mercato.RoleViewer})
		if err != nil || !u.Invited {
			t.Fatalf("%+v %v", u, err)
		}
		if len(sent) != 1 || !sent[0].Taken || sent[0].User.ID != holder.UserID {
			t.Fatalf("mailed %+v, want a notice to the holder", sent)
		}
		// A link of the user without its address (were it to have one)
		// neither signs in nor claims: made by hand, as no service sends one.
		link := "a link the service never sent to this user"
		if err := store.TxFunc[accounts.Tx](st)(ctx, func(tx accounts.Tx) error { return tx.InsertPasswordReset(ctx, u.ID, link, tx.Now().Add(time.Hour)) }); err != nil {
			t.Fatal(err)
		}
		if err := svc.ResetPassword(ctx, link, "a password for the pending user"); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("a link of a user whose address an active user holds: %v", err)
		}
		if err := svc.SetPassword(ctx, u.ID, "a password for the pending user"); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("a password for a user whose address an active user holds: %v", err)
		}
		if p, err := svc.CheckPassword(ctx, "holder@c1.test", "the holder's password"); err != nil || p.UserID != holder.UserID {
			t.Fatalf("the holder signs in as %+v (%v)", p, err)
		}
		// The holder leaves: the pending invitation is not accepted by
		// itself; the admin's resend sends a link, which works.
		if err := svc.DeleteUser(ctx, w.Platform.Principal, holder.UserID); err != nil {
			t.Fatal(err)
		}
		if err := svc.ResendInvitation(ctx, w.C2.Principal, u.ID); err != nil {
			t.Fatal(err)
		}
		last := sent[len(sent)-1]
		if last.Taken || last.User.ID != u.ID || last.Secret == "" {
			t.Fatalf("resent %+v, want a link", last)
		}
		if _, err := svc.AcceptInvitation(ctx, last.Secret, "the new owner's password", time.Hour); err != nil {
			t.Fatal(err)
		}
		if p, err := svc.CheckPassword(ctx, "holder@c1.test", "the new owner's password"); err != nil || p.UserID != u.ID {
			t.Fatalf("the address signs in as %+v (%v)", p, err)
		}
	}}})
}
