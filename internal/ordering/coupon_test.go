package ordering_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/coupons"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

func TestCoupons(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "quote and order show the discount", Run: testCouponQuoteAndOrder},
		{Name: "refused codes write nothing", Run: testCouponRefused},
		{Name: "expiry by the store's clock", Run: testCouponExpiry},
		{Name: "restricted to a plan", Run: testCouponPlan},
		{Name: "who grants what", Run: testCouponGranters},
		{Name: "redemption limit under concurrent orders", Run: testCouponConcurrent},
		{Name: "extended trial", Run: testCouponTrial},
	})
}

func couponService(st *store.Store) *coupons.Service {
	return coupons.New(st, store.TxFunc[coupons.Tx](st))
}

func newCoupon(t *testing.T, st *store.Store, p mercato.Principal, c coupon.Coupon) coupon.Coupon {
	t.Helper()
	c, err := couponService(st).Create(ctx, p, c)
	if err != nil {
		t.Fatalf("create coupon %s: %v", c.Code, err)
	}
	return c
}

func percent(code, value string) coupon.Coupon {
	return coupon.Coupon{Code: code, Kind: coupon.KindPercent, Value: decimal.RequireFromString(value), Duration: coupon.Once}
}

// mustField fails unless err is a 422 naming path.
func mustField(t *testing.T, err error, path string) {
	t.Helper()
	mustCode(t, err, mercato.EINVALID)
	for _, f := range mercato.Fields(err) {
		if f.Path == path {
			return
		}
	}
	t.Fatalf("error %v names %v, not %s", err, mercato.Fields(err), path)
}

func placeWith(st *store.Store, p mercato.Principal, customer, plan int64, code string) (subscription.Order, error) {
	return app.Ordering(st).PlaceOrder(ctx, p, subscription.OrderRequest{CustomerID: customer, PlanID: plan, Quantity: 10, Coupon: code})
}

func testCouponQuoteAndOrder(t *testing.T, st *store.Store, w *storetest.World) {
	newCoupon(t, st, w.Platform.Principal, percent("spring25", "25"))
	// 10 seats × 10.00 = 100.00; 25% off: −25.00, borne by the platform.
	q, err := app.Ordering(st).Quote(ctx, w.C2.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 10, Coupon: "Spring25"})
	if err != nil {
		t.Fatal(err)
	}
	last := q.Lines[len(q.Lines)-1]
	if q.Coupon != "SPRING25" || !q.Total.Equal(decimal.NewFromInt(75)) || last.Kind != coupon.KindDiscount || !last.Amount.Equal(decimal.NewFromInt(-25)) ||
		!strings.Contains(last.Description, "SPRING25") {
		t.Fatalf("quote %+v", q)
	}
	sum := decimal.Zero
	for _, s := range q.Shares {
		sum = sum.Add(s.Amount)
		if s.Role == "platform" && !s.Amount.Equal(decimal.NewFromInt(-5)) { // its 20.00 fee less 25.00
			t.Fatalf("platform share %s", s.Amount)
		}
		if s.Role == "vendor" && !s.Amount.Equal(decimal.NewFromInt(80)) {
			t.Fatalf("vendor share %s", s.Amount)
		}
	}
	if !sum.Equal(q.Total) {
		t.Fatalf("shares sum %s, total %s", sum, q.Total)
	}
	o, err := placeWith(st, w.C2.Principal, 0, w.PlanA.ID, "spring25")
	if err != nil {
		t.Fatal(err)
	}
	if o.Coupon != "SPRING25" || !o.Total.Equal(decimal.NewFromInt(75)) {
		t.Fatalf("order %+v", o)
	}
	read, err := app.Ordering(st).Order(ctx, w.C2.Principal, o.ID)
	if err != nil || read.Coupon != "SPRING25" || read.Lines[len(read.Lines)-1].Kind != coupon.KindDiscount {
		t.Fatalf("order read %+v %v", read, err)
	}
	c, _, _ := couponService(st).List(ctx, w.Platform.Principal, mercato.Page{})
	if len(c) != 1 || c[0].Redemptions != 1 {
		t.Fatalf("coupons %+v", c)
	}
}

func testCouponRefused(t *testing.T, st *store.Store, w *storetest.World) {
	used := percent("ONCEONLY", "10")
	used.MaxRedemptions = 1
	newCoupon(t, st, w.Platform.Principal, used)
	if _, err := placeWith(st, w.C1.Principal, 0, w.PlanA.ID, "onceonly"); err != nil {
		t.Fatal(err)
	}
	off := newCoupon(t, st, w.Platform.Principal, percent("GONE", "10"))
	if _, err := couponService(st).Deactivate(ctx, w.Platform.Principal, off.ID); err != nil {
		t.Fatal(err)
	}
	usd := coupon.Coupon{Code: "DOLLARS", Kind: coupon.KindAmount, Value: decimal.NewFromInt(5), Currency: "USD", Duration: coupon.Forever}
	newCoupon(t, st, w.Platform.Principal, usd)
	for _, code := range []string{"NOSUCH", "a!", "ONCEONLY", "gone", "DOLLARS"} {
		storetest.Unchanged(t, st, func() {
			_, err := placeWith(st, w.C1.Principal, 0, w.PlanA.ID, code)
			mustField(t, err, "coupon")
			_, err = app.Ordering(st).Quote(ctx, w.C1.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 1, Coupon: code})
			mustField(t, err, "coupon")
		})
	}
}

func testCouponExpiry(t *testing.T, st *store.Store, w *storetest.World) {
	c := percent("LASTDAY", "10")
	c.ExpiresAt = storetest.Epoch.Add(24 * time.Hour)
	newCoupon(t, st, w.Platform.Principal, c)
	st.Now = storetest.Clock(storetest.Epoch.Add(23 * time.Hour))
	if _, err := placeWith(st, w.C1.Principal, 0, w.PlanA.ID, "LASTDAY"); err != nil {
		t.Fatalf("before expiry: %v", err)
	}
	st.Now = storetest.Clock(storetest.Epoch.Add(24 * time.Hour))
	storetest.Unchanged(t, st, func() {
		_, err := placeWith(st, w.C1.Principal, 0, w.PlanA.ID, "LASTDAY")
		mustField(t, err, "coupon")
	})
	// A coupon that expires already is refused when it is created.
	past := percent("PAST", "10")
	past.ExpiresAt = storetest.Epoch
	_, err := couponService(st).Create(ctx, w.Platform.Principal, past)
	mustField(t, err, "expires_at")
}

func testCouponPlan(t *testing.T, st *store.Store, w *storetest.World) {
	c := percent("TIERED", "10")
	c.PlanIDs = []int64{w.PlanTiered.ID}
	newCoupon(t, st, w.VendorA.Principal, c)
	storetest.Unchanged(t, st, func() {
		_, err := placeWith(st, w.C1.Principal, 0, w.PlanA.ID, "TIERED")
		mustField(t, err, "coupon")
	})
	if _, err := placeWith(st, w.C1.Principal, 0, w.PlanTiered.ID, "TIERED"); err != nil {
		t.Fatal(err)
	}
}

func testCouponGranters(t *testing.T, st *store.Store, w *storetest.World) {
	svc := couponService(st)
	// A customer grants none; a viewer creates nothing.
	_, err := svc.Create(ctx, w.C1.Principal, percent("MINE", "10"))
	mustCode(t, err, mercato.EFORBIDDEN)
	_, err = svc.Create(ctx, storetest.Viewer(w.R1.Principal), percent("MINE", "10"))
	mustCode(t, err, mercato.EFORBIDDEN)
	// A vendor only on its own products.
	other := percent("OTHERS", "10")
	other.ProductIDs = []int64{w.ProductA.ID}
	storetest.Unchanged(t, st, func() {
		_, err = svc.Create(ctx, w.VendorB.Principal, other)
		mustField(t, err, "product_ids[0]")
	})
	newCoupon(t, st, w.VendorB.Principal, percent("VENDORB", "10"))
	_, err = placeWith(st, w.C1.Principal, 0, w.PlanA.ID, "VENDORB")
	mustField(t, err, "coupon")
	if _, err := placeWith(st, w.C1.Principal, 0, w.PlanB.ID, "VENDORB"); err != nil {
		t.Fatal(err)
	}
	// A reseller's coupon only through its own channel.
	newCoupon(t, st, w.R2.Principal, percent("RESELLER2", "10"))
	_, err = placeWith(st, w.C1.Principal, 0, w.PlanA.ID, "RESELLER2")
	mustField(t, err, "coupon")
	if _, err := placeWith(st, w.C2.Principal, 0, w.PlanA.ID, "RESELLER2"); err != nil {
		t.Fatal(err)
	}
	// Codes are unique in the marketplace; each sees its own coupons.
	_, err = svc.Create(ctx, w.R1.Principal, percent("reseller2", "10"))
	mustField(t, err, "code")
	mine, _, _ := svc.List(ctx, w.R2.Principal, mercato.Page{})
	all, _, _ := svc.List(ctx, w.Platform.Principal, mercato.Page{})
	if len(mine) != 1 || len(all) != 2 {
		t.Fatalf("r2 sees %d, the platform %d", len(mine), len(all))
	}
	_, err = svc.Get(ctx, w.R1.Principal, mine[0].ID)
	mustCode(t, err, mercato.ENOTFOUND)
	_, err = svc.Deactivate(ctx, w.R1.Principal, mine[0].ID)
	mustCode(t, err, mercato.ENOTFOUND)
	// Bounds.
	for _, bad := range []struct {
		c    coupon.Coupon
		path string
	}{
		{percent("OVER", "100.01"), "value"},
		{percent("ZERO", "0"), "value"},
		{coupon.Coupon{Code: "NOCUR", Kind: coupon.KindAmount, Value: decimal.NewFromInt(5), Duration: coupon.Once}, "currency"},
		{coupon.Coupon{Code: "HUGE", Kind: coupon.KindAmount, Value: decimal.NewFromInt(1000001), Currency: "EUR", Duration: coupon.Once}, "value"},
		{coupon.Coupon{Code: "LONG", Kind: coupon.KindPercent, Value: decimal.NewFromInt(5), Duration: coupon.Repeating, Periods: 121}, "periods"},
		{coupon.Coupon{Code: "NONE", Kind: coupon.KindPercent, Value: decimal.NewFromInt(5), Duration: coupon.Repeating}, "periods"},
		{percent("x", "5"), "code"},
		{percent("BAD CODE", "5"), "code"},
	} {
		storetest.Unchanged(t, st, func() {
			_, err := svc.Create(ctx, w.Platform.Principal, bad.c)
			mustField(t, err, bad.path)
		})
	}
}

func testCouponConcurrent(t *testing.T, st *store.Store, w *storetest.World) {
	c := percent("FIRST3", "10")
	c.MaxRedemptions = 3
	c = newCoupon(t, st, w.Platform.Principal, c)
	const n = 10
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			by := w.C1.Principal
			if i%2 == 1 {
				by = w.C2.Principal
			}
			_, err := placeWith(st, by, 0, w.PlanA.ID, "FIRST3")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	placed := 0
	for err := range errs {
		switch {
		case err == nil:
			placed++
		case code(err) == mercato.EINVALID:
			mustField(t, err, "coupon")
		default:
			t.Errorf("concurrent order: %v", err)
		}
	}
	got, err := couponService(st).Get(ctx, w.Platform.Principal, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	counts := storetest.Counts(t, st)
	if placed != 3 || got.Redemptions != 3 || counts["coupon_redemptions"] != 3 || counts["orders"] != 3 {
		t.Fatalf("%d orders placed, %d redemptions counted, rows %d redemptions %d orders", placed, got.Redemptions, counts["coupon_redemptions"], counts["orders"])
	}
}

func testCouponTrial(t *testing.T, st *store.Store, w *storetest.World) {
	trialPlan := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Trial", `{"currency":"EUR","model":"flat","amount":"9","trial_days":14}`)
	c := percent("LONGTRIAL", "10")
	c.TrialExtensionDays = 7
	newCoupon(t, st, w.VendorA.Principal, c)
	o, err := placeWith(st, w.C1b.Principal, 0, trialPlan.ID, "LONGTRIAL")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := st.Subscription(ctx, w.C1b.Principal, o.SubscriptionID)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Type != subscription.TypeTrial || sub.EndDate.Sub(sub.StartDate) != 21*24*time.Hour {
		t.Fatalf("trial %s to %s", sub.StartDate, sub.EndDate)
	}
}
