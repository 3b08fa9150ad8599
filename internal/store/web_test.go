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

func TestReviewsAndMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		if _, err := storetest.Listing(st).SetReview(ctx, w.C1.Principal, w.ProductA.ID, 5, "great"); mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("review before buying: %v", err)
		}
		o, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 2})
		if err != nil {
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

		sub := o.SubscriptionID
		if _, err := st.PostMessage(ctx, w.C2.Principal, sub, "hello?"); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("foreign customer posts: %v", err)
		}
		if _, err := st.Messages(ctx, w.VendorB.Principal, sub); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("foreign vendor reads: %v", err)
		}
		if _, err := st.PostMessage(ctx, w.C1.Principal, sub, "  "); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("empty message: %v", err)
		}
		if _, err := st.PostMessage(ctx, w.C1.Principal, sub, "How do I add users?"); err != nil {
			t.Fatal(err)
		}
		unread := func(p mercato.Principal) int {
			t.Helper()
			n, err := st.UnreadMessages(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if unread(w.C1.Principal) != 0 || unread(w.VendorA.Principal) != 1 || unread(w.R1.Principal) != 1 || unread(w.C2.Principal) != 0 || unread(w.VendorB.Principal) != 0 {
			t.Fatal("unread counts after the customer wrote")
		}
		ms, err := st.Messages(ctx, w.VendorA.Principal, sub)
		if err != nil || len(ms) != 1 || ms[0].Body != "How do I add users?" {
			t.Fatalf("vendor reads: %+v %v", ms, err)
		}
		if unread(w.VendorA.Principal) != 0 {
			t.Fatal("vendor still has unread messages after reading")
		}
		if _, err := st.PostMessage(ctx, w.VendorA.Principal, sub, "Settings → Users"); err != nil {
			t.Fatal(err)
		}
		ts, err := st.Threads(ctx, w.C1.Principal)
		if err != nil || len(ts) != 1 || ts[0].Messages != 2 || ts[0].Unread != 1 || ts[0].LastAt.IsZero() {
			t.Fatalf("customer's threads: %+v %v", ts, err)
		}
	})
}
