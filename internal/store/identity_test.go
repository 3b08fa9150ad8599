package store_test

import (
	"context"
	"testing"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestSignInWithIdentity: the first sign-in of an identity links it to the
// active user holding the address the provider vouches for, later ones find
// the user by (issuer, subject) alone; an unvouched address, an unknown one
// and an invited user that never accepted are refused with nothing written;
// deleting the user deletes its identities.
func TestSignInWithIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		acc := storetest.Accounts(st)
		const iss = "https://login.example.test/tenant/v2.0"
		count := func() (ids, audits int) {
			t.Helper()
			if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM user_identities`).Scan(&ids); err != nil {
				t.Fatal(err)
			}
			if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log`).Scan(&audits); err != nil {
				t.Fatal(err)
			}
			return ids, audits
		}
		refused := func(name string, id accounts.Identity, want error) {
			t.Helper()
			ids, audits := count()
			p, err := acc.SignInWithIdentity(ctx, id)
			if err != want || p != (mercato.Principal{}) {
				t.Fatalf("%s: %+v %v, want %v", name, p, err, want)
			}
			if i, a := count(); i != ids || a != audits {
				t.Fatalf("%s wrote: identities %d→%d, audit %d→%d", name, ids, i, audits, a)
			}
		}

		// C1's admin has accepted (has a password); VendorA's is invited only.
		if err := acc.SetPassword(ctx, w.C1.User.ID, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		refused("unverified", accounts.Identity{Issuer: iss, Subject: "s1", Email: w.C1.User.Email}, accounts.ErrIdentityUnverified)
		refused("no email", accounts.Identity{Issuer: iss, Subject: "s1", EmailVerified: true}, accounts.ErrIdentityUnverified)
		refused("unknown", accounts.Identity{Issuer: iss, Subject: "s1", Email: "nobody@nowhere.test", EmailVerified: true}, accounts.ErrIdentityNoAccount)
		refused("invited", accounts.Identity{Issuer: iss, Subject: "s2", Email: w.VendorA.User.Email, EmailVerified: true}, accounts.ErrIdentityNoAccount)

		// First sign-in: linked by the verified address (any case).
		p, err := acc.SignInWithIdentity(ctx, accounts.Identity{Issuer: iss, Subject: "s1", Email: "ADMIN@c1.test", EmailVerified: true})
		if err != nil || p != w.C1.Principal {
			t.Fatalf("first sign-in: %+v %v, want %+v", p, err, w.C1.Principal)
		}
		if ids, _ := count(); ids != 1 {
			t.Fatalf("identities after linking: %d", ids)
		}
		var action string
		if err := st.DB().QueryRowContext(ctx, `SELECT action FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&action); err != nil || action != "user.identity_link" {
			t.Fatalf("audit: %q %v", action, err)
		}
		// Later sign-ins go by (issuer, subject): the address no longer
		// matters, nor whether it is vouched for.
		p, err = acc.SignInWithIdentity(ctx, accounts.Identity{Issuer: iss, Subject: "s1", Email: "changed@elsewhere.test"})
		if err != nil || p != w.C1.Principal {
			t.Fatalf("second sign-in: %+v %v", p, err)
		}
		// The same subject at another issuer is another identity.
		refused("other issuer", accounts.Identity{Issuer: iss + "/other", Subject: "s1", Email: "nobody@nowhere.test", EmailVerified: true}, accounts.ErrIdentityNoAccount)
		// A second identity of the same user links too.
		if p, err := acc.SignInWithIdentity(ctx, accounts.Identity{Issuer: iss + "/other", Subject: "s9", Email: w.C1.User.Email, EmailVerified: true}); err != nil || p != w.C1.Principal {
			t.Fatalf("second identity: %+v %v", p, err)
		}
		// Linking an identity linked already is a conflict in the store.
		err = st.InTx(ctx, func(tx *store.Tx) error { return tx.LinkIdentity(ctx, w.C2.User.ID, iss, "s1") })
		if mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("link twice: %v", err)
		}
		// Deleting the user deletes its identities.
		if err := acc.DeleteUser(ctx, w.Platform.Principal, w.C1.User.ID); err != nil {
			t.Fatal(err)
		}
		if ids, _ := count(); ids != 0 {
			t.Fatalf("identities after deleting the user: %d", ids)
		}
		if _, ok, err := st.IdentityPrincipal(ctx, iss, "s1"); ok || err != nil {
			t.Fatalf("identity of a deleted user: %v %v", ok, err)
		}
	})
}
