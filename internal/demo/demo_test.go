package demo_test

import (
	"context"
	"testing"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestSeedShowsWhatWaits: the demo holds a price change waiting for the
// renewal of the subscriptions sold before it and a downgrade scheduled for
// the end of the period charged, on both engines.
func TestSeedShowsWhatWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := demo.Seed(ctx, st); err != nil {
			t.Fatal(err)
		}
		admin, err := st.Authenticate(ctx, demo.PlatformToken)
		if err != nil {
			t.Fatal(err)
		}
		subs, _, err := st.ListSubscriptions(ctx, admin, store.SubscriptionFilter{}, store.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		svc := app.New(st, app.Options{})
		priceChanges := 0
		for _, s := range subs {
			o, err := svc.Billing.RenewalOffer(ctx, admin, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if o.PriceChanges {
				priceChanges++
				if o.CurrentPeriodPrice.GreaterThanOrEqual(o.PeriodPrice) {
					t.Errorf("subscription %d: %s now, %s from %v", s.ID, o.CurrentPeriodPrice, o.PeriodPrice, o.Date)
				}
			}
		}
		var scheduled int
		if err := st.DB().QueryRow(`SELECT COUNT(*) FROM charge_schedules WHERE scheduled_version IS NOT NULL`).Scan(&scheduled); err != nil {
			t.Fatal(err)
		}
		// The Team plan's new price waits for the renewal of both
		// subscriptions sold before it: Adatum's (EUR) and Litware's (USD).
		if priceChanges != 2 || scheduled != 1 {
			t.Fatalf("%d price changes waiting for a renewal, %d downgrades scheduled; want 2 and 1", priceChanges, scheduled)
		}
	})
}
