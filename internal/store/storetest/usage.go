package storetest

import (
	"context"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

// MeteredPricing is a plan of product A with one usage metric per
// aggregation.
const MeteredPricing = `{"currency":"EUR","period":"P1M","model":"flat","amount":"10.00","metrics":[
	{"name":"api_calls","unit":"call","aggregation":"sum","model":"per_unit","unit_amount":"0.001"},
	{"name":"storage_gb","unit":"GB","aggregation":"max","model":"per_unit","unit_amount":"0.10"},
	{"name":"active_users","unit":"user","aggregation":"average","model":"per_unit","unit_amount":"1.00"},
	{"name":"instances","unit":"instance","aggregation":"last","model":"per_unit","unit_amount":"2.00"},
	{"name":"devices","unit":"device","aggregation":"unique_count","model":"per_unit","unit_amount":"0.50"}]}`

// MeteredSubscription adds a metered plan to product A and returns it with
// a DEPLOYED subscription of it for customer C1.
func MeteredSubscription(t TB, st *store.Store, w *World) (catalog.Plan, int64) {
	t.Helper()
	ctx := context.Background()
	plan := Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Metered", MeteredPricing)
	o, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: plan.ID, Quantity: 1})
	if err != nil {
		t.Fatalf("metered order: %v", err)
	}
	if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, o.SubscriptionID, subscription.Deployed); err != nil {
		t.Fatalf("deploy metered subscription: %v", err)
	}
	return plan, o.SubscriptionID
}

// Order places an order of qty units of plan for customer (0: p's own
// organization) as p, and returns its subscription as p sees it.
func Order(t TB, st *store.Store, p mercato.Principal, customer, plan, qty int64) subscription.Subscription {
	t.Helper()
	ctx := context.Background()
	o, err := app.Ordering(st).PlaceOrder(ctx, p, subscription.OrderRequest{CustomerID: customer, PlanID: plan, Quantity: qty})
	if err != nil {
		t.Fatalf("order: %v", err)
	}
	sub, err := st.Subscription(ctx, p, o.SubscriptionID)
	if err != nil {
		t.Fatalf("subscription %d: %v", o.SubscriptionID, err)
	}
	return sub
}
