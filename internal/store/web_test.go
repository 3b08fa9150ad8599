package store_test

import (
	"context"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

func TestReviewsAndMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		if _, err := st.SetReview(ctx, w.C1.Principal, w.ProductA.ID, 5, "great"); mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("review before buying: %v", err)
		}
		o, err := ordering.New(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 2})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetReview(ctx, w.C1.Principal, w.ProductA.ID, 6, ""); mercato.ErrorCode(err) != mercato.EINVALID {
			t.Fatalf("rating 6: %v", err)
		}
		if _, err := st.SetReview(ctx, w.VendorA.Principal, w.ProductA.ID, 5, ""); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
			t.Fatalf("vendor review: %v", err)
		}
		if _, err := st.SetReview(ctx, w.C1.Principal, w.ProductA.ID, 2, "meh"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetReview(ctx, w.C1.Principal, w.ProductA.ID, 4, "better now"); err != nil {
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
