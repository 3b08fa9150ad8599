package lifecycle_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
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
	{Name: "a commitment holds until its term ends", Run: testCommitment},
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

// testCommitment: an annual commitment billed monthly with a 7-day
// cancellation window. Within the window a termination is immediate with
// the rest of the period refunded, and seats may decrease; after it, the
// termination is scheduled for the term's end (once; cancellable) and
// seats do not decrease (422 naming quantity); the billing run at the
// term's end ends it instead of renewing it. The clock is the store's.
func testCommitment(t *testing.T, st *store.Store, w *storetest.World) {
	start := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	now := start
	st.Now = func() time.Time { return now }
	plan := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Annual", `{"currency":"EUR","period":"P1M","commitment":"P1Y","cancellation_window_days":7,"model":"per_unit","unit":"seat","unit_amount":"10.00"}`)
	lc := app.Lifecycle(st)
	deployed := func() subscription.Subscription {
		sub := order(t, st, w.C1.Principal, 0, plan.ID)
		if _, err := lc.SetStatus(ctx, w.VendorA.Principal, sub.ID, subscription.Deployed); err != nil {
			t.Fatal(err)
		}
		return sub
	}
	early, late := deployed(), deployed()
	if want := start.AddDate(1, 0, 0); !late.EndDate.Equal(want) {
		t.Fatalf("term ends %v, want %v", late.EndDate, want)
	}

	// Day 1: fewer seats is fine within the window.
	now = start.AddDate(0, 0, 1)
	two := int64(2)
	if _, err := app.Ordering(st).Change(ctx, w.C1.Principal, late.ID, subscription.Change{Quantity: &two}); err != nil {
		t.Fatalf("seats down within the window: %v", err)
	}
	// Day 3: terminated within the window: at once, 600 of the period's
	// 672 hours of 3 × 10.00 refunded.
	now = start.AddDate(0, 0, 3)
	got, err := lc.Act(ctx, w.C1.Principal, early.ID, subscription.ActionTerminate)
	if err != nil || got.Status != subscription.UndeploySent || got.TerminateAt != nil {
		t.Fatalf("terminate within the window: %+v %v", got, err)
	}
	var refund string
	if err := st.DB().QueryRow(`SELECT amount FROM charges WHERE subscription_id = $1 AND kind = 'refund'`, early.ID).Scan(&refund); err != nil {
		t.Fatalf("no refund: %v", err)
	}
	if want := "-26.79"; refund != want {
		t.Fatalf("refund %s, want %s", refund, want)
	}

	// Day 10: after the window.
	now = start.AddDate(0, 0, 10)
	one := int64(1)
	before := storetest.Counts(t, st)
	_, err = app.Ordering(st).Change(ctx, w.C1.Principal, late.ID, subscription.Change{Quantity: &one})
	if code(err) != mercato.EINVALID || len(mercato.Fields(err)) == 0 || mercato.Fields(err)[0].Path != "quantity" {
		t.Fatalf("seats down after the window: %v", err)
	}
	if after := storetest.Counts(t, st); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("a refused change wrote: %v → %v", before, after)
	}
	got, err = lc.Act(ctx, w.C1.Principal, late.ID, subscription.ActionTerminate)
	if err != nil || got.Status != subscription.Deployed || got.TerminateAt == nil || !got.TerminateAt.Equal(late.EndDate) {
		t.Fatalf("terminate after the window: %+v %v", got, err)
	}
	if _, err := lc.Act(ctx, w.C1.Principal, late.ID, subscription.ActionTerminate); code(err) != mercato.ECONFLICT {
		t.Fatalf("a second termination: %v", err)
	}
	if n := refunds(t, st, late.ID); n != 0 {
		t.Fatalf("%d refunds of a scheduled termination", n)
	}
	// Cancelled, then scheduled again.
	if _, err := lc.CancelTermination(ctx, w.C1b.Principal, late.ID); code(err) != mercato.ENOTFOUND {
		t.Fatalf("another customer cancels: %v", err)
	}
	if got, err := lc.CancelTermination(ctx, w.C1.Principal, late.ID); err != nil || got.TerminateAt != nil {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if _, err := lc.CancelTermination(ctx, w.C1.Principal, late.ID); code(err) != mercato.ENOTFOUND {
		t.Fatalf("cancel again: %v", err)
	}
	if _, err := lc.Act(ctx, w.R1.Principal, late.ID, subscription.ActionTerminate); err != nil {
		t.Fatal(err)
	}
	// The term's end: the billing run ends it instead of renewing it.
	now = late.EndDate.Add(time.Hour)
	if _, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(now)}); err != nil {
		t.Fatal(err)
	}
	if got, err := st.Subscription(ctx, w.Platform.Principal, late.ID); err != nil || got.Status != subscription.UndeploySent || !got.EndDate.Equal(late.EndDate) {
		t.Fatalf("at the term's end: %+v %v", got, err)
	}
}

func refunds(t *testing.T, st *store.Store, sub int64) int {
	t.Helper()
	var n int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM charges WHERE subscription_id = $1 AND kind = 'refund'`, sub).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
