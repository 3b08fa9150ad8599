package listing_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestPlanPrices: a plan's price history holds each pricing it has had
// from when it took effect: its first at its creation, a new one at each
// change of its prices (not of its name, nor the same prices written
// again); whoever sees the plan reads it.
func TestPlanPrices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		w := storetest.NewWorld(t, st)
		svc := storetest.Listing(st)
		plan := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "History", `{"currency":"EUR","model":"per_unit","unit":"seat","unit_amount":"4.00"}`)
		history := func(p mercato.Principal) string {
			t.Helper()
			vs, err := svc.PlanPrices(ctx, p, plan.ID)
			if err != nil {
				t.Fatal(err)
			}
			out := ""
			for _, v := range vs {
				out += fmt.Sprintf("[%s %s]", v.EffectiveAt.Format(time.DateOnly), v.Pricing.UnitAmount)
			}
			return out
		}
		update := func(u listing.PlanUpdate) {
			t.Helper()
			if _, err := svc.UpdatePlan(ctx, w.VendorA.Principal, plan.ID, u); err != nil {
				t.Fatal(err)
			}
		}
		price := func(v string) *pricing.Pricing {
			p := plan.Pricing
			amount := decimal.RequireFromString(v)
			p.UnitAmount = &amount
			return &p
		}
		now = now.AddDate(0, 0, 9)
		name := "History renamed"
		update(listing.PlanUpdate{Name: &name})
		update(listing.PlanUpdate{Pricing: price("4.00")})
		now = now.AddDate(0, 0, 5)
		update(listing.PlanUpdate{Pricing: price("4.50")})
		want := "[2026-03-01 4][2026-03-15 4.5]"
		for _, p := range []mercato.Principal{w.VendorA.Principal, w.C1.Principal, w.Platform.Principal} {
			if got := history(p); got != want {
				t.Fatalf("history as %d: %s, want %s", p.OrgID, got, want)
			}
		}
		if _, err := svc.PlanPrices(ctx, w.VendorB.Principal, w.DraftPlan.ID); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("an unseen plan's history: %v", err)
		}
	})
}
