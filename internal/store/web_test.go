package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

func TestWebSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		if err := st.SetPassword(ctx, w.C1.User.ID, "short"); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("short password: %v", err)
		}
		if err := st.SetPassword(ctx, w.C1.User.ID, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		for name, tc := range map[string]struct{ email, pw string }{
			"wrong password": {w.C1.User.Email, "correct horse battery!"},
			"unknown email":  {"nobody@example.com", "correct horse battery"},
			"no password":    {w.C2.User.Email, ""},
		} {
			if _, err := st.CheckPassword(ctx, tc.email, tc.pw); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
				t.Errorf("%s: %v, want unauthorized", name, err)
			}
		}
		p, err := st.CheckPassword(ctx, " "+w.C1.User.Email+" ", "correct horse battery")
		if err != nil || p != w.C1.Principal {
			t.Fatalf("sign in: %+v %v, want %+v", p, err, w.C1.Principal)
		}

		secret, err := st.CreateSession(ctx, p.UserID, time.Hour)
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
		st.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
		if _, _, err := st.Session(ctx, secret); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("expired session: %v", err)
		}
		st.Now = time.Now

		// A reset link sets a new password once and ends the sessions.
		if _, _, err := st.CreatePasswordReset(ctx, "nobody@example.com", time.Hour); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("reset of unknown email: %v", err)
		}
		link, _, err := st.CreatePasswordReset(ctx, w.C1.User.Email, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.ResetPassword(ctx, link, "a brand new secret"); err != nil {
			t.Fatal(err)
		}
		if err := st.ResetPassword(ctx, link, "another new secret"); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("second use of a reset link: %v", err)
		}
		if _, _, err := st.Session(ctx, secret); mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Fatalf("session after reset: %v", err)
		}
		if _, err := st.CheckPassword(ctx, w.C1.User.Email, "a brand new secret"); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}

// TestReviews: only buyers review, once each (a new review replaces the
// first); a subscription's messages are internal/messaging's.
func TestReviews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		if _, err := storetest.Listing(st).SetReview(ctx, w.C1.Principal, w.ProductA.ID, 5, "great"); mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("review before buying: %v", err)
		}
		if _, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := storetest.Listing(st).SetReview(ctx, w.C1.Principal, w.ProductA.ID, 6, ""); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("rating 6: %v", err)
		}
		if _, err := storetest.Listing(st).SetReview(ctx, w.VendorA.Principal, w.ProductA.ID, 5, ""); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
			t.Fatalf("vendor review: %v", err)
		}
		if _, err := storetest.Listing(st).SetReview(ctx, w.C1.Principal, w.ProductA.ID, 2, "meh"); err != nil {
			t.Fatal(err)
		}
		if _, err := storetest.Listing(st).SetReview(ctx, w.C1.Principal, w.ProductA.ID, 4, "better now"); err != nil {
			t.Fatal(err)
		}
		rs, sum, err := st.Reviews(ctx, w.C2.Principal, w.ProductA.ID)
		if err != nil || len(rs) != 1 || rs[0].Rating != 4 || rs[0].Body != "better now" || sum.Count != 1 || sum.Average != 4 {
			t.Fatalf("reviews: %+v %+v %v", rs, sum, err)
		}
	})
}
