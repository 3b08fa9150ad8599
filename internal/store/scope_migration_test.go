package store_test

import (
	"context"
	"slices"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestChannelScope checks who sees which subscriptions, orders and events
// against the visibility rules of scope.go computed here from the
// organization tree: once as written by the store, and again after
// migration 00027 has been undone and redone, so its backfill of the scope
// columns agrees with what the store writes. The tree has customers under
// resellers under distributors, an order a reseller places for its
// customer, and a vendor's sandbox subscription.
func TestChannelScope(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := storetest.NewWorld(t, st)
		subs := []subscription.Subscription{
			storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 2),
			storetest.Order(t, st, w.R1.Principal, w.C1b.Org.ID, w.PlanB.ID, 1),
			storetest.Order(t, st, w.C2.Principal, 0, w.PlanA.ID, 1),
			storetest.Order(t, st, w.VendorA.Principal, 0, w.PlanA.ID, 1), // sandbox
		}
		parent := map[int64]int64{w.C1.Org.ID: w.R1.Org.ID, w.C1b.Org.ID: w.R1.Org.ID, w.C2.Org.ID: w.R2.Org.ID,
			w.R1.Org.ID: w.D1.Org.ID, w.R2.Org.ID: w.D2.Org.ID}
		vendor := map[int64]int64{w.PlanA.ID: w.VendorA.Org.ID, w.PlanB.ID: w.VendorB.Org.ID}
		// sees is the rule of scope.go, from the tree.
		sees := func(p mercato.Principal, s subscription.Subscription) bool {
			switch p.OrgKind {
			case mercato.KindPlatform:
				return true
			case mercato.KindVendor:
				return vendor[s.PlanID] == p.OrgID
			case mercato.KindDistributor:
				return parent[s.CustomerID] == p.OrgID || parent[parent[s.CustomerID]] == p.OrgID
			case mercato.KindReseller:
				return parent[s.CustomerID] == p.OrgID
			}
			return s.CustomerID == p.OrgID
		}
		check := func(when string) {
			t.Helper()
			for name, tn := range w.Tenants() {
				var want []int64
				for _, s := range subs {
					if sees(tn.Principal, s) {
						want = append(want, s.ID)
					}
				}
				got := visible(t, st, tn.Principal)
				for what, ids := range got {
					if !slices.Equal(ids, want) {
						t.Errorf("%s: %s sees the %s of subscriptions %v, want %v", when, name, what, ids, want)
					}
				}
			}
		}
		check("as written")
		remigrate(t, st, 26)
		check("after the migration")
	})
}

// visible lists what p sees of subscriptions, orders and events, each as
// the ids of the subscriptions they belong to, without repeats.
func visible(t *testing.T, st *store.Store, p mercato.Principal) map[string][]int64 {
	t.Helper()
	ctx := context.Background()
	out := map[string][]int64{}
	subs, _, err := st.ListSubscriptions(ctx, p, store.SubscriptionFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range subs {
		out["subscriptions"] = append(out["subscriptions"], s.ID)
	}
	orders, _, err := st.ListOrders(ctx, p, store.OrderFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orders {
		out["orders"] = append(out["orders"], o.SubscriptionID)
	}
	events, _, err := st.ListEvents(ctx, p, store.EventFilter{Entity: subscription.EntitySubscription}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		out["events"] = append(out["events"], e.EntityID)
	}
	for k, ids := range out {
		slices.Sort(ids)
		out[k] = slices.Compact(ids)
	}
	for _, k := range []string{"subscriptions", "orders", "events"} {
		if _, ok := out[k]; !ok {
			out[k] = nil
		}
	}
	return out
}
