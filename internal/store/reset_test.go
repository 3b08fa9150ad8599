package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestPasswordResetTokens replays the audit's reset findings: a newer link
// makes older ones unusable, even unused; an unknown, used or superseded
// link is refused before any bcrypt is spent on the new password.
func TestPasswordResetTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		hashes, restore := store.CountPasswordHashes()
		defer restore()
		older, _, err := st.CreatePasswordReset(ctx, w.C1.User.Email, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		newer, _, err := st.CreatePasswordReset(ctx, w.C1.User.Email, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for name, link := range map[string]string{"the older link": older, "an unknown link": "no-such-link-0123456789"} {
			if err := st.ResetPassword(ctx, link, "a brand new secret"); mercato.ErrorCode(err) != mercato.EINVALID {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if n := hashes.Load(); n != 0 {
			t.Fatalf("%d bcrypt hashes for refused links, want none", n)
		}
		if err := st.ResetPassword(ctx, newer, "a brand new secret"); err != nil {
			t.Fatal(err)
		}
		if err := st.ResetPassword(ctx, newer, "another new secret"); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("used link: %v", err)
		}
		if n := hashes.Load(); n != 1 {
			t.Fatalf("%d bcrypt hashes, want the one for the valid link", n)
		}
		if _, err := st.CheckPassword(ctx, w.C1.User.Email, "a brand new secret"); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}
