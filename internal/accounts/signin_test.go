package accounts_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestPasswordRules: the rules every new password meets, whether an
// administrator or a reset link sets it; a refused one changes nothing.
func TestPasswordRules(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service) {
		for _, c := range []struct {
			name, password string
			ok             bool
		}{
			{"nine characters", "ninechars", false},
			{"ten characters", "tenletters", true},
			{"ten characters of two bytes", strings.Repeat("é", 10), true},
			{"72 bytes", strings.Repeat("p", 72), true},
			{"73 bytes", strings.Repeat("p", 73), false},
			{"a NUL character", "correct\x00horse battery", false},
		} {
			t.Run(c.name, func(t *testing.T) {
				err := svc.SetPassword(ctx, w.C1.User.ID, c.password)
				if c.ok {
					if err != nil {
						t.Fatal(err)
					}
					if _, err := svc.CheckPassword(ctx, w.C1.User.Email, c.password); err != nil {
						t.Fatalf("sign in with it: %v", err)
					}
					return
				}
				mustRefuse(t, err, mercato.EINVALID, "password")
				link, _, err := svc.CreatePasswordReset(ctx, w.C1.User.Email, time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				mustRefuse(t, svc.ResetPassword(ctx, link, c.password), mercato.EINVALID, "password")
				if _, err := svc.CheckPassword(ctx, w.C1.User.Email, c.password); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
					t.Fatalf("sign in with a refused password: %v", err)
				}
			})
		}
	})
}

// TestSignIn: one answer for every mismatch, sessions that expire, and
// reset links that work once and end the sessions.
func TestSignIn(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service) {
		if err := svc.SetPassword(ctx, w.C1.User.ID, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct{ email, pw string }{
			"wrong password": {w.C1.User.Email, "correct horse battery!"},
			"unknown email":  {"nobody@example.com", "correct horse battery"},
			"no password":    {w.C2.User.Email, ""},
			"too long":       {w.C1.User.Email, "correct horse battery" + strings.Repeat("!", 60)},
		} {
			if _, err := svc.CheckPassword(ctx, tc.email, tc.pw); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED || mercato.ErrorMessage(err) != "wrong email or password" {
				t.Errorf("%s: %v, want unauthorized", name, err)
			}
		}
		p, err := svc.CheckPassword(ctx, " "+strings.ToUpper(w.C1.User.Email)+" ", "correct horse battery")
		if err != nil || p != w.C1.Principal {
			t.Fatalf("sign in: %+v %v, want %+v", p, err, w.C1.Principal)
		}

		secret, err := svc.CreateSession(ctx, p.UserID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got, u, err := st.Session(ctx, secret)
		if err != nil || got != w.C1.Principal || u.Email != w.C1.User.Email {
			t.Fatalf("session: %+v %+v %v", got, u, err)
		}
		if _, _, err := st.Session(ctx, secret+"x"); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("forged session: %v", err)
		}
		st.Now = storetest.Clock(storetest.Epoch.Add(2 * time.Hour))
		if _, _, err := st.Session(ctx, secret); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("expired session: %v", err)
		}
		// The next sign-in sweeps the expired session.
		live, err := svc.CreateSession(ctx, p.UserID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if n := storetest.Counts(t, st)["web_sessions"]; n != 1 {
			t.Fatalf("%d sessions after the sweep, want 1", n)
		}
		if err := svc.DeleteSession(ctx, live); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Session(ctx, live); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("session after sign-out: %v", err)
		}
		session, err := svc.CreateSession(ctx, p.UserID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}

		// A reset link sets a new password once and ends the sessions.
		if _, _, err := svc.CreatePasswordReset(ctx, "nobody@example.com", time.Hour); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("reset of unknown email: %v", err)
		}
		link, _, err := svc.CreatePasswordReset(ctx, w.C1.User.Email, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.ResetPassword(ctx, link, "a brand new secret"); err != nil {
			t.Fatal(err)
		}
		if err := svc.ResetPassword(ctx, link, "another new secret"); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("second use of a reset link: %v", err)
		}
		if _, _, err := st.Session(ctx, session); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("session after reset: %v", err)
		}
		if _, err := svc.CheckPassword(ctx, w.C1.User.Email, "a brand new secret"); err != nil {
			t.Fatalf("new password: %v", err)
		}
		if _, err := svc.CheckPassword(ctx, w.C1.User.Email, "correct horse battery"); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("old password: %v", err)
		}
	})
}

// TestPasswordResetTokens replays the audit's reset findings: a newer link
// makes older ones unusable, even unused; an unknown, used, superseded or
// expired link is refused before any bcrypt is spent on the new password.
func TestPasswordResetTokens(t *testing.T) {
	each(t, func(t *testing.T, st *store.Store, w *storetest.World, svc *accounts.Service) {
		hashes, restore := accounts.CountPasswordHashes()
		defer restore()
		expired, _, err := svc.CreatePasswordReset(ctx, w.C1b.User.Email, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		older, _, err := svc.CreatePasswordReset(ctx, w.C1.User.Email, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		newer, _, err := svc.CreatePasswordReset(ctx, w.C1.User.Email, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		st.Now = storetest.Clock(storetest.Epoch.Add(2 * time.Minute))
		for name, link := range map[string]string{"the older link": older, "an unknown link": "no-such-link-0123456789", "an expired link": expired} {
			if err := svc.ResetPassword(ctx, link, "a brand new secret"); mercato.ErrorCode(err) != mercato.EINVALID {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if n := hashes.Load(); n != 0 {
			t.Fatalf("%d bcrypt hashes for refused links, want none", n)
		}
		if err := svc.ResetPassword(ctx, newer, "a brand new secret"); err != nil {
			t.Fatal(err)
		}
		if err := svc.ResetPassword(ctx, newer, "another new secret"); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("used link: %v", err)
		}
		if n := hashes.Load(); n != 1 {
			t.Fatalf("%d bcrypt hashes, want the one for the valid link", n)
		}
		if _, err := svc.CheckPassword(ctx, w.C1.User.Email, "a brand new secret"); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}
