package lifecycle_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// cases run on every engine, each in a fresh database with a world of its
// own (moved from the store's tests with the use cases).
var cases = []storetest.Case[*testing.T]{
	{Name: "subscription lifecycle and events", Run: testLifecycle},
	{Name: "illegal transitions change nothing", Run: testIllegalTransition},
	{Name: "renewal extends by the term", Run: testRenewal},
}

func TestLifecycle(t *testing.T) { storetest.RunCases(t, cases) }

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

func testLifecycle(t *testing.T, st *store.Store, w *storetest.World) {
	sub := order(t, st, w.C1.Principal, 0, w.PlanA.ID)
	vendor := w.VendorA.Principal
	steps := []struct {
		by   mercato.Principal
		to   subscription.Status
		want subscription.Status
	}{
		{vendor, subscription.Deployed, subscription.Deployed},
		{w.R1.Principal, subscription.Stopped, subscription.Stopped},
		{w.R1.Principal, subscription.Deployed, subscription.Deployed},
		{w.C1.Principal, subscription.UndeploySent, subscription.UndeploySent},
		{vendor, subscription.Undeployed, subscription.Undeployed},
	}
	for _, s := range steps {
		got, err := app.Lifecycle(st).SetStatus(ctx, s.by, sub.ID, s.to)
		if err != nil || got.Status != s.want {
			t.Fatalf("to %s: %+v %v", s.to, got.Status, err)
		}
	}
	evs, _, _ := st.ListEvents(ctx, w.VendorA.Principal, store.EventFilter{EntityID: sub.ID, Entity: subscription.EntitySubscription}, store.Page{})
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, ","); got != "CREATED,MODIFIED,MODIFIED,MODIFIED,MODIFIED,DELETED" {
		t.Fatalf("events %s", got)
	}
	// Customers of the other channel see none of it.
	evs, _, _ = st.ListEvents(ctx, w.C2.Principal, store.EventFilter{}, store.Page{})
	if len(evs) != 0 {
		t.Fatalf("c2 sees %d events", len(evs))
	}
}

func testIllegalTransition(t *testing.T, st *store.Store, w *storetest.World) {
	sub := order(t, st, w.C1.Principal, 0, w.PlanA.ID)
	before := storetest.Counts(t, st)
	_, err := app.Lifecycle(st).Act(ctx, w.Platform.Principal, sub.ID, subscription.ActionResume)
	mustCode(t, err, mercato.ECONFLICT)
	_, err = app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub.ID, subscription.Undeployed)
	mustCode(t, err, mercato.ECONFLICT)
	_, err = app.Lifecycle(st).Act(ctx, w.VendorB.Principal, sub.ID, subscription.ActionDeploy)
	mustCode(t, err, mercato.ENOTFOUND)
	if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("rows changed: %v -> %v", before, after)
	}
	got, _ := st.Subscription(ctx, w.Platform.Principal, sub.ID)
	if got.Status != subscription.Pending || !got.UpdatedAt.Equal(sub.UpdatedAt) {
		t.Fatalf("subscription changed: %+v", got)
	}
}

func testRenewal(t *testing.T, st *store.Store, w *storetest.World) {
	sub := order(t, st, w.C1.Principal, 0, w.PlanA.ID)
	_, err := app.Lifecycle(st).Renew(ctx, w.Platform.Principal, sub.ID)
	mustCode(t, err, mercato.ECONFLICT) // not deployed yet
	if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub.ID, subscription.Deployed); err != nil {
		t.Fatal(err)
	}
	got, err := app.Lifecycle(st).Renew(ctx, w.Platform.Principal, sub.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := sub.EndDate.AddDate(0, 1, 0); !got.EndDate.Equal(want) && got.EndDate.Sub(sub.EndDate) < 28*24*time.Hour {
		t.Fatalf("renewed to %v, want about %v", got.EndDate, want)
	}
	orders, _, _ := st.ListOrders(ctx, w.Platform.Principal, store.OrderFilter{SubscriptionID: sub.ID}, store.Page{})
	if len(orders) != 2 || orders[1].Type != subscription.OrderRenewal {
		t.Fatalf("orders %+v", orders)
	}
}
