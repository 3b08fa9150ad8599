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
	{Name: "the customer converts its trial", Run: testConvertTrial},
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

// testConvertTrial: the customer's admin (or its reseller, or the
// platform) turns a trial into a paid subscription, charged from the end
// of the trial as a payment converts it; another customer does not see
// it, a viewer and the vendor may not, and a second conversion is 409.
func testConvertTrial(t *testing.T, st *store.Store, w *storetest.World) {
	plan := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Trial", `{"currency":"EUR","model":"per_unit","unit":"seat","unit_amount":"10.00","trial_days":14}`)
	sub := order(t, st, w.C1.Principal, 0, plan.ID)
	if sub.Type != subscription.TypeTrial {
		t.Fatalf("ordered %s", sub.Type)
	}
	if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub.ID, subscription.Deployed); err != nil {
		t.Fatal(err)
	}
	charges := func() int {
		var n int
		if err := st.DB().QueryRow(`SELECT COUNT(*) FROM charges WHERE subscription_id = $1 AND state <> 'void'`, sub.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := charges(); n != 0 {
		t.Fatalf("a trial has %d charges", n)
	}
	viewer := w.C1.Principal
	viewer.Role = mercato.RoleViewer
	before := storetest.Counts(t, st)
	for name, c := range map[string]struct {
		p    mercato.Principal
		code string
	}{
		"another customer": {w.C1b.Principal, mercato.ENOTFOUND},
		"another reseller": {w.R2.Principal, mercato.ENOTFOUND},
		"a viewer":         {viewer, mercato.EFORBIDDEN},
		"the vendor":       {w.VendorA.Principal, mercato.EFORBIDDEN},
	} {
		if _, err := app.Lifecycle(st).Convert(ctx, c.p, sub.ID); code(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
	if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a refused conversion wrote: %v → %v", before, after)
	}
	got, err := app.Lifecycle(st).Convert(ctx, w.C1.Principal, sub.ID)
	if err != nil || got.Type != subscription.TypeNormal || got.Status != subscription.Deployed {
		t.Fatalf("convert: %+v %v", got, err)
	}
	var start time.Time
	var amount string
	if err := st.DB().QueryRow(`SELECT period_start, amount FROM charges WHERE subscription_id = $1 AND kind = 'recurring' ORDER BY period_start LIMIT 1`, sub.ID).Scan(&start, &amount); err != nil {
		t.Fatalf("no charge after the conversion: %v", err)
	}
	if !start.UTC().Equal(sub.EndDate) || amount != "30.00" && amount != "30" {
		t.Fatalf("first charge from %v at %s, want from the trial's end %v at 30.00", start, amount, sub.EndDate)
	}
	if _, err := app.Lifecycle(st).Convert(ctx, w.C1.Principal, sub.ID); code(err) != mercato.ECONFLICT {
		t.Fatalf("second conversion: %v", err)
	}
	// The customer's reseller converts another trial.
	other := order(t, st, w.C1.Principal, 0, plan.ID)
	if got, err := app.Lifecycle(st).Convert(ctx, w.R1.Principal, other.ID); err != nil || got.Type != subscription.TypeNormal {
		t.Fatalf("reseller converts: %+v %v", got, err)
	}
}
