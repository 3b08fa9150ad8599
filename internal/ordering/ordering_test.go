package ordering_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// cases run on every engine, each in a fresh database with a world of its
// own (moved from the store's tests with the use cases).
var cases = []storetest.Case[*testing.T]{
	{Name: "orders by payment situation", Run: testOrderStatuses},
	{Name: "order validation writes nothing", Run: testOrderValidation},
	{Name: "idempotency keys", Run: testIdempotency},
	{Name: "prorated seat change", Run: testProration},
	{Name: "channel quote with markups", Run: testChannelQuote},
	{Name: "concurrent orders", Run: testConcurrentOrders},
}

func TestOrdering(t *testing.T) { storetest.RunCases(t, cases) }

var ctx = context.Background()

func code(err error) string { return mercato.ErrorCode(err) }

func mustCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := code(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func order(t *testing.T, st *store.Store, p mercato.Principal, customer, plan int64) subscription.Subscription {
	t.Helper()
	return storetest.Order(t, st, p, customer, plan, 3)
}

func testOrderStatuses(t *testing.T, st *store.Store, w *storetest.World) {
	onAccount := order(t, st, w.C1.Principal, 0, w.PlanA.ID)
	if onAccount.Status != subscription.Pending || !onAccount.Paid || onAccount.Type != subscription.TypeNormal {
		t.Fatalf("on account: %+v", onAccount)
	}
	if onAccount.ResellerID == nil || *onAccount.ResellerID != w.R1.Org.ID {
		t.Fatalf("reseller = %v", onAccount.ResellerID)
	}
	unpaid := order(t, st, w.R1.Principal, w.C1b.Org.ID, w.PlanA.ID)
	if unpaid.Status != subscription.WaitingPayment || unpaid.Paid {
		t.Fatalf("unpaid: %+v", unpaid)
	}
	paid, err := app.Lifecycle(st).Pay(ctx, w.R1.Principal, unpaid.ID)
	if err != nil || paid.Status != subscription.Pending || !paid.Paid {
		t.Fatalf("pay: %+v %v", paid, err)
	}
	_, err = app.Lifecycle(st).Pay(ctx, w.C1b.Principal, unpaid.ID)
	mustCode(t, err, mercato.EFORBIDDEN)

	trialPlan := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Trial", `{"currency":"EUR","model":"flat","amount":"9","trial_days":14}`)
	trial := order(t, st, w.C1b.Principal, 0, trialPlan.ID)
	if trial.Type != subscription.TypeTrial || trial.Status != subscription.Pending || trial.Paid {
		t.Fatalf("trial: %+v", trial)
	}
	if d := trial.EndDate.Sub(trial.StartDate); d != 14*24*time.Hour {
		t.Fatalf("trial length %v", d)
	}

	approve := true
	if _, err := storetest.Listing(st).UpdateProduct(ctx, w.VendorA.Principal, w.ProductA.ID, listing.ProductUpdate{RequiresApproval: &approve}); err != nil {
		t.Fatal(err)
	}
	gated := order(t, st, w.C1.Principal, 0, w.PlanA.ID)
	if gated.Status != subscription.RequiresApproval {
		t.Fatalf("approval: %+v", gated)
	}
	_, err = app.Lifecycle(st).Act(ctx, w.R1.Principal, gated.ID, subscription.ActionApprove)
	mustCode(t, err, mercato.EFORBIDDEN)
	if s, err := app.Lifecycle(st).Act(ctx, w.Platform.Principal, gated.ID, subscription.ActionApprove); err != nil || s.Status != subscription.Pending {
		t.Fatalf("approve: %+v %v", s, err)
	}

	sandbox := order(t, st, w.VendorA.Principal, 0, w.DraftPlan.ID)
	if sandbox.Type != subscription.TypeSandbox || sandbox.CustomerID != w.VendorA.Org.ID || !sandbox.Paid {
		t.Fatalf("sandbox: %+v", sandbox)
	}
	_, err = app.Ordering(st).PlaceOrder(ctx, w.VendorA.Principal, subscription.OrderRequest{PlanID: w.PlanB.ID, Quantity: 1})
	mustCode(t, err, mercato.EINVALID)
}

func testOrderValidation(t *testing.T, st *store.Store, w *storetest.World) {
	for _, c := range []struct {
		name string
		by   mercato.Principal
		req  subscription.OrderRequest
		code string
		path string
	}{
		{"zero quantity", w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 0}, mercato.EINVALID, "quantity"},
		{"negative quantity", w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: -4}, mercato.EINVALID, "quantity"},
		{"draft plan", w.C1.Principal, subscription.OrderRequest{PlanID: w.DraftPlan.ID, Quantity: 1}, mercato.EINVALID, "plan_id"},
		{"unknown plan", w.C1.Principal, subscription.OrderRequest{PlanID: 99999, Quantity: 1}, mercato.EINVALID, "plan_id"},
		{"foreign customer", w.R2.Principal, subscription.OrderRequest{CustomerID: w.C1.Org.ID, PlanID: w.PlanA.ID, Quantity: 1}, mercato.EINVALID, "customer_id"},
		{"customer for another", w.C1.Principal, subscription.OrderRequest{CustomerID: w.C1b.Org.ID, PlanID: w.PlanA.ID, Quantity: 1}, mercato.EINVALID, "customer_id"},
		{"reseller as customer", w.Platform.Principal, subscription.OrderRequest{CustomerID: w.R1.Org.ID, PlanID: w.PlanA.ID, Quantity: 1}, mercato.EINVALID, "customer_id"},
		{"bad configuration", w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1, Configuration: map[string]any{"subdomain": "NO!"}}, mercato.EINVALID, "configuration.subdomain"},
		{"unknown configuration", w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1, Configuration: map[string]any{"x": "y"}}, mercato.EINVALID, "configuration.x"},
		{"vendor buys for a customer", w.VendorA.Principal, subscription.OrderRequest{CustomerID: w.C1.Org.ID, PlanID: w.PlanA.ID, Quantity: 1}, mercato.EINVALID, "customer_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := storetest.Counts(t, st)
			_, err := app.Ordering(st).PlaceOrder(ctx, c.by, c.req)
			mustCode(t, err, c.code)
			var paths []string
			for _, f := range mercato.Fields(err) {
				paths = append(paths, f.Path)
			}
			if !slices.Contains(paths, c.path) {
				t.Fatalf("field errors %v, want %s (%v)", paths, c.path, err)
			}
			if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("rows changed: %v -> %v", before, after)
			}
		})
	}
}

func testIdempotency(t *testing.T, st *store.Store, w *storetest.World) {
	req := subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 2, IdempotencyKey: "order-1"}
	first, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, req)
	if err != nil {
		t.Fatal(err)
	}
	before := storetest.Counts(t, st)
	again, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, req)
	if err != nil || again.ID != first.ID || again.SubscriptionID != first.SubscriptionID {
		t.Fatalf("retry: %+v %v, first %+v", again, err, first)
	}
	if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("retry wrote rows: %v -> %v", before, after)
	}
	req.Quantity = 3
	_, err = app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, req)
	mustCode(t, err, mercato.EINVALID)
	// Keys belong to the caller's organization.
	other, err := app.Ordering(st).PlaceOrder(ctx, w.C2.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 2, IdempotencyKey: "order-1"})
	if err != nil || other.ID == first.ID {
		t.Fatalf("same key, other organization: %+v %v", other, err)
	}
}

func testProration(t *testing.T, st *store.Store, w *storetest.World) {
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC) // April: 30 days, 720 hours
	prev := st.Now
	st.Now = func() time.Time { return start }
	defer func() { st.Now = prev }()
	sub := order(t, st, w.C1.Principal, 0, w.PlanA.ID) // 3 seats at 10.00
	if !sub.EndDate.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("end %v", sub.EndDate)
	}
	st.Now = func() time.Time { return start.Add(360 * time.Hour) } // half the period left
	qty := int64(5)
	got, err := app.Ordering(st).Change(ctx, w.C1.Principal, sub.ID, subscription.Change{Quantity: &qty})
	if err != nil || got.Quantity != 5 {
		t.Fatalf("change: %+v %v", got, err)
	}
	orders, _, _ := st.ListOrders(ctx, w.C1.Principal, store.OrderFilter{SubscriptionID: sub.ID}, store.Page{})
	if len(orders) != 2 || orders[1].Type != subscription.OrderChange {
		t.Fatalf("orders %+v", orders)
	}
	// Two more seats at 10.00 for half of April: 10.00.
	if !orders[1].Total.Equal(decimal.RequireFromString("10.00")) {
		t.Fatalf("prorated charge %s, want 10.00", orders[1].Total)
	}
	qty = 2 // a downgrade costs nothing now
	if _, err := app.Ordering(st).Change(ctx, w.C1.Principal, sub.ID, subscription.Change{Quantity: &qty}); err != nil {
		t.Fatal(err)
	}
	orders, _, _ = st.ListOrders(ctx, w.C1.Principal, store.OrderFilter{SubscriptionID: sub.ID}, store.Page{})
	if !orders[2].Total.IsZero() {
		t.Fatalf("downgrade charge %s", orders[2].Total)
	}
	// A plan of another product is refused, and one billed every year: a
	// difference of a yearly and a monthly price is no price for the rest
	// of a month.
	_, err = app.Ordering(st).Change(ctx, w.C1.Principal, sub.ID, subscription.Change{PlanID: &w.PlanB.ID})
	mustCode(t, err, mercato.EINVALID)
	yearly := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Yearly", `{"currency":"EUR","period":"P1Y","model":"per_unit","unit":"seat","unit_amount":"100.00"}`)
	_, err = app.Ordering(st).Change(ctx, w.C1.Principal, sub.ID, subscription.Change{PlanID: &yearly.ID})
	mustCode(t, err, mercato.EINVALID)
}

func testChannelQuote(t *testing.T, st *store.Store, w *storetest.World) {
	admin := w.Platform.Principal
	for _, e := range []pricing.PriceListEntry{
		{OrganizationID: w.D1.Org.ID, PlanID: w.PlanA.ID},
		{OrganizationID: w.R1.Org.ID, PlanID: w.PlanA.ID},
	} {
		e.Markup.Kind, e.Markup.Value = "percentage", decimal.NewFromInt(10)
		if e.OrganizationID == w.R1.Org.ID {
			e.Markup.Value = decimal.NewFromInt(20)
		}
		if _, err := storetest.Channel(st).SetPrice(ctx, admin, e); err != nil {
			t.Fatal(err)
		}
	}
	_, err := storetest.Channel(st).SetPrice(ctx, w.R2.Principal, pricing.PriceListEntry{OrganizationID: w.R1.Org.ID, PlanID: w.PlanA.ID})
	mustCode(t, err, mercato.EINVALID)
	// 10 seats × 10.00 = 100.00; +10% = 110.00; +20% = 132.00.
	q, err := app.Ordering(st).Quote(ctx, w.C1.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !q.Total.Equal(decimal.RequireFromString("132")) {
		t.Fatalf("total %s, want 132.00", q.Total)
	}
	shares := map[string]string{}
	sum := decimal.Zero
	for _, s := range q.Shares {
		shares[s.Role] = s.Amount.StringFixed(2)
		sum = sum.Add(s.Amount)
	}
	want := map[string]string{"vendor": "80.00", "platform": "20.00", "distributor": "10.00", "reseller": "22.00"}
	if fmt.Sprint(shares) != fmt.Sprint(want) || !sum.Equal(q.Total) {
		t.Fatalf("shares %v (sum %s), want %v", shares, sum, want)
	}
	// The other channel buys at list price.
	q2, err := app.Ordering(st).Quote(ctx, w.C2.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 10})
	if err != nil || !q2.Total.Equal(decimal.NewFromInt(100)) {
		t.Fatalf("c2 quote %s %v", q2.Total, err)
	}
}

func testConcurrentOrders(t *testing.T, st *store.Store, w *storetest.World) {
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			by := w.C1.Principal
			if i%2 == 1 {
				by = w.C2.Principal
			}
			_, err := app.Ordering(st).PlaceOrder(ctx, by, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: int64(i + 1), IdempotencyKey: fmt.Sprintf("k%d", i/4)})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && code(err) != mercato.EINVALID && code(err) != mercato.ECONFLICT {
			t.Errorf("concurrent order: %v", err)
		}
	}
	subs, _, _ := st.ListSubscriptions(ctx, w.Platform.Principal, store.SubscriptionFilter{}, store.Page{Limit: 200})
	evs, _, _ := st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: subscription.EntitySubscription}, store.Page{Limit: 200})
	if len(subs) == 0 || len(subs) != len(evs) {
		t.Fatalf("%d subscriptions, %d CREATED events", len(subs), len(evs))
	}
}
