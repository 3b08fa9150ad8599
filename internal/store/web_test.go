package store_test

import (
	"context"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

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
