package billingrun_test

import (
	"context"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestCuratedPlanStillRenews: a subscription of a plan its reseller's
// distributor later leaves out of the reseller's catalog keeps renewing
// (the curation refuses new sales only), while a new order of the plan is
// refused naming plan_id.
func TestCuratedPlanStillRenews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 1)
		deploy(t, st, w, sub)
		run(t, st, w, "2026-03")
		if _, err := storetest.Channel(st).SetCuration(ctx, w.D1.Principal, catalog.Curation{ResellerID: w.R1.Org.ID, ProductIDs: []int64{w.ProductB.ID}}); err != nil {
			t.Fatal(err)
		}
		_, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
		if f := mercato.Fields(err); len(f) == 0 || f[0].Path != "plan_id" {
			t.Fatalf("a new order of the plan left out: %v", err)
		}
		clk.set("2026-04-01T00:00:00Z")
		if r := run(t, st, w, "2026-04"); r.Skipped != 0 {
			t.Fatalf("run %+v", r)
		}
		s, err := st.Subscription(ctx, w.Platform.Principal, sub)
		if err != nil || !s.EndDate.After(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("not renewed: ends %s %v", s.EndDate, err)
		}
		if got := chargeRows(t, st, sub); len(got) != 2 {
			t.Fatalf("charges %+v, want the first period and the renewal", got)
		}
	})
}
