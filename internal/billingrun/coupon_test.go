package billingrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/coupons"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// grant creates a coupon as p.
func grant(t *testing.T, st *store.Store, p mercato.Principal, c coupon.Coupon) {
	t.Helper()
	if _, err := coupons.New(st, store.TxFunc[coupons.Tx](st)).Create(context.Background(), p, c); err != nil {
		t.Fatalf("coupon %s: %v", c.Code, err)
	}
}

// buyWith orders qty of a plan for the customer with a coupon code.
func buyWith(t *testing.T, st *store.Store, p mercato.Principal, plan, qty int64, code string) subscription.Order {
	t.Helper()
	o, err := app.Ordering(st).PlaceOrder(context.Background(), p, subscription.OrderRequest{PlanID: plan, Quantity: qty, Coupon: code})
	if err != nil {
		t.Fatalf("order with %s: %v", code, err)
	}
	return o
}

// subscriptionLines are the invoice lines of one subscription, per
// invoice, as kind:amount.
func subscriptionLines(invs []billing.Invoice, sub int64) [][]string {
	var out [][]string
	for _, inv := range invs {
		var ls []string
		for _, l := range inv.Lines {
			if l.SubscriptionID == sub {
				ls = append(ls, l.Kind+":"+l.Amount.StringFixed(2))
			}
		}
		out = append(out, ls)
	}
	return out
}

// sharesOf sums the shares of a subscription's invoice lines by role.
func sharesOf(invs []billing.Invoice, sub int64) map[string]string {
	sums := map[string]decimal.Decimal{}
	for _, inv := range invs {
		for _, l := range inv.Lines {
			if l.SubscriptionID != sub {
				continue
			}
			for _, s := range l.Shares {
				sums[s.Role] = sums[s.Role].Add(s.Amount)
			}
		}
	}
	out := map[string]string{}
	for r, a := range sums {
		out[r] = a.StringFixed(2)
	}
	return out
}

// TestCouponDurationsAcrossRenewals: a coupon discounts the period sold
// and each period (and monthly renewal) while its duration lasts — once,
// two periods, forever — and every invoice shows the discount line with
// its code; the discount is taken from the granter's share only, and the
// shares still add up to what is invoiced.
func TestCouponDurationsAcrossRenewals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, clk := billingWorld(t, st)
		// Through D1 (+10%) and R1 (+20%), 10 seats of 10.00 are 132.00 a
		// month: vendor 80.00, platform 20.00, D1 10.00, R1 22.00.
		markup(t, st, w, w.D1.Org.ID, w.PlanA.ID, "10")
		markup(t, st, w, w.R1.Org.ID, w.PlanA.ID, "20")
		grant(t, st, w.Platform.Principal, coupon.Coupon{Code: "WELCOME", Kind: coupon.KindPercent, Value: decimal.NewFromInt(50), Duration: coupon.Once})
		grant(t, st, w.R1.Principal, coupon.Coupon{Code: "R1TWO", Kind: coupon.KindPercent, Value: decimal.NewFromInt(10), Duration: coupon.Repeating, Periods: 2})
		grant(t, st, w.VendorA.Principal, coupon.Coupon{Code: "VENDOR5", Kind: coupon.KindAmount, Value: decimal.NewFromInt(5), Currency: "EUR", Duration: coupon.Forever,
			ProductIDs: []int64{w.ProductA.ID}})
		once := buyWith(t, st, w.C1.Principal, w.PlanA.ID, 10, "WELCOME")
		repeating := buyWith(t, st, w.C1.Principal, w.PlanA.ID, 10, "r1two")
		forever := buyWith(t, st, w.C1.Principal, w.PlanA.ID, 10, "VENDOR5")
		plain := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 10)
		// 50% of 132.00 = 66.00; 10% = 13.20; 5.00.
		for o, want := range map[*subscription.Order]string{&once: "66.00", &repeating: "118.80", &forever: "127.00"} {
			if o.Total.StringFixed(2) != want {
				t.Fatalf("order %s: total %s, want %s", o.Coupon, o.Total, want)
			}
		}
		deploy(t, st, w, once.SubscriptionID, repeating.SubscriptionID, forever.SubscriptionID, plain)
		run(t, st, w, "2026-03")
		// Each monthly term renews on the 1st; runs of April and May.
		clk.set("2026-04-01T01:00:00Z")
		run(t, st, w, "2026-04")
		clk.set("2026-05-01T01:00:00Z")
		run(t, st, w, "2026-05")
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 3 {
			t.Fatalf("%d invoices: %v", len(invs), allAmounts(invs))
		}
		for _, c := range []struct {
			name string
			sub  int64
			want string
		}{
			{"once", once.SubscriptionID, "[[recurring:132.00 discount:-66.00] [recurring:132.00] [recurring:132.00]]"},
			{"repeating 2", repeating.SubscriptionID, "[[recurring:132.00 discount:-13.20] [recurring:132.00 discount:-13.20] [recurring:132.00]]"},
			{"forever", forever.SubscriptionID, "[[recurring:132.00 discount:-5.00] [recurring:132.00 discount:-5.00] [recurring:132.00 discount:-5.00]]"},
			{"no coupon", plain, "[[recurring:132.00] [recurring:132.00] [recurring:132.00]]"},
		} {
			if got := fmt.Sprint(subscriptionLines(invs, c.sub)); got != c.want {
				t.Errorf("%s: invoice lines %s, want %s", c.name, got, c.want)
			}
		}
		// The granter bears it: the platform's 3 × 20.00 less 66.00; R1's
		// 3 × 22.00 less 2 × 13.20; the vendor's 3 × 80.00 less 3 × 5.00.
		for _, c := range []struct {
			sub  int64
			want map[string]string
		}{
			{once.SubscriptionID, map[string]string{"vendor": "240.00", "platform": "-6.00", "distributor": "30.00", "reseller": "66.00"}},
			{repeating.SubscriptionID, map[string]string{"vendor": "240.00", "platform": "60.00", "distributor": "30.00", "reseller": "39.60"}},
			{forever.SubscriptionID, map[string]string{"vendor": "225.00", "platform": "60.00", "distributor": "30.00", "reseller": "66.00"}},
		} {
			if got := sharesOf(invs, c.sub); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("subscription %d: shares %v, want %v", c.sub, got, c.want)
			}
		}
		// The invoice names the code on the discount line.
		for _, l := range invs[0].Lines {
			if l.Kind == coupon.KindDiscount && !strings.Contains(l.Description, "Coupon ") {
				t.Errorf("discount line %q names no coupon", l.Description)
			}
		}
		if !strings.Contains(fmt.Sprint(invs[1].Lines), "R1TWO") || !strings.Contains(fmt.Sprint(invs[2].Lines), "VENDOR5") {
			t.Errorf("invoices do not name the codes: %v", invs[1].Lines)
		}
		// What was ordered is what March invoiced: 4 × 132.00 less the discounts.
		if got := invs[0].Subtotal.StringFixed(2); got != "443.80" || !invs[0].Subtotal.Equal(once.Total.Add(repeating.Total).Add(forever.Total).Add(decimal.NewFromInt(132))) {
			t.Errorf("March subtotal %s, want 443.80", got)
		}
		checkBalanced(t, st)
	})
}

// TestCouponOnChangesAndRenewals: a coupon still in force discounts an
// upgrade's prorated charge as it discounts the period (a percentage of
// it, borne by the granter), and a RENEWAL order shows the discount of the
// term it sells; once its periods are used (once, 2 periods) it discounts
// neither, and forever lasts. Before, CHANGE charges and RENEWAL orders
// carried no discount.
func TestCouponOnChangesAndRenewals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, clk := billingWorld(t, st)
		// Through D1 (+10%) and R1 (+20%), 10 seats of 10.00 are 132.00 a
		// month (levels 100.00, 110.00, 132.00).
		markup(t, st, w, w.D1.Org.ID, w.PlanA.ID, "10")
		markup(t, st, w, w.R1.Org.ID, w.PlanA.ID, "20")
		grant(t, st, w.Platform.Principal, coupon.Coupon{Code: "TEN2", Kind: coupon.KindPercent, Value: decimal.NewFromInt(10), Duration: coupon.Repeating, Periods: 2})
		grant(t, st, w.Platform.Principal, coupon.Coupon{Code: "ONCE50", Kind: coupon.KindPercent, Value: decimal.NewFromInt(50), Duration: coupon.Once})
		grant(t, st, w.R1.Principal, coupon.Coupon{Code: "R1FOREVER", Kind: coupon.KindPercent, Value: decimal.NewFromInt(20), Duration: coupon.Forever})
		ten := buyWith(t, st, w.C1.Principal, w.PlanA.ID, 10, "TEN2").SubscriptionID
		once := buyWith(t, st, w.C1.Principal, w.PlanA.ID, 10, "ONCE50").SubscriptionID
		forever := buyWith(t, st, w.C1.Principal, w.PlanA.ID, 10, "R1FOREVER").SubscriptionID
		subs := []int64{ten, once, forever}
		deploy(t, st, w, subs...)
		run(t, st, w, "2026-03")
		// March 16th, 384 of 744 hours left: 10 → 20 seats is 68.13 (levels
		// 51.61, 56.77, 68.13); 10% off 6.81, 50% off 34.06, 20% off 13.63.
		clk.set("2026-03-16T00:00:00Z")
		for _, s := range subs {
			change(t, st, w.C1.Principal, s, 20, 0)
		}
		// The monthly terms renew on the 1st: 264.00 a month; TEN2 lasts
		// for April (its second period), not May; ONCE50 for neither.
		clk.set("2026-04-01T01:00:00Z")
		run(t, st, w, "2026-04")
		clk.set("2026-05-01T01:00:00Z")
		run(t, st, w, "2026-05")
		// May 10th, 528 of 744 hours left: 20 → 25 seats is 46.84 (levels
		// 35.48, 39.03, 46.84); only R1FOREVER lasts: 9.37 off.
		clk.set("2026-05-10T00:00:00Z")
		for _, s := range subs {
			change(t, st, w.C1.Principal, s, 25, 0)
		}
		for _, c := range []struct {
			name string
			sub  int64
			want string
		}{
			{"TEN2", ten, "[NEW:118.80 CHANGE:61.32 RENEWAL:237.60 RENEWAL:264.00 CHANGE:46.84]"},
			{"ONCE50", once, "[NEW:66.00 CHANGE:34.07 RENEWAL:264.00 RENEWAL:264.00 CHANGE:46.84]"},
			{"R1FOREVER", forever, "[NEW:105.60 CHANGE:54.50 RENEWAL:211.20 RENEWAL:211.20 CHANGE:37.47]"},
		} {
			var got []string
			for _, o := range orders(t, st, w, c.sub) {
				got = append(got, string(o.Type)+":"+o.Total.StringFixed(2))
			}
			if fmt.Sprint(got) != c.want {
				t.Errorf("%s: orders %v, want %s", c.name, got, c.want)
			}
			// Each order's total is what its charges charge.
			var sum decimal.Decimal
			for _, o := range orders(t, st, w, c.sub) {
				if o.Type == subscription.OrderChange {
					sum = sum.Add(o.Total)
				}
			}
			var amounts []string
			rows, err := st.DB().Query(`SELECT amount FROM charges WHERE subscription_id = $1 AND kind = 'change' ORDER BY period_start`, c.sub)
			if err != nil {
				t.Fatal(err)
			}
			charged := decimal.Zero
			for rows.Next() {
				var a decimal.Decimal
				if err := rows.Scan(&a); err != nil {
					t.Fatal(err)
				}
				charged = charged.Add(a)
				amounts = append(amounts, a.StringFixed(2))
			}
			rows.Close()
			if !charged.Equal(sum) {
				t.Errorf("%s: change charges %v, the orders %s", c.name, amounts, sum)
			}
		}
		// The granter bears it: R1's share of the March change is its
		// level's 11.36 less 13.63.
		var raw string
		if err := st.DB().QueryRow(`SELECT shares FROM charges WHERE subscription_id = $1 AND kind = 'change' ORDER BY period_start LIMIT 1`, forever).Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var shares []pricing.Share
		if err := json.Unmarshal([]byte(raw), &shares); err != nil {
			t.Fatal(err)
		}
		split := map[string]string{}
		for _, s := range shares {
			split[s.Role] = s.Amount.StringFixed(2)
		}
		if want := "map[distributor:5.16 platform:10.32 reseller:-2.27 vendor:41.29]"; fmt.Sprint(split) != want {
			t.Errorf("R1FOREVER change shares %v, want %s", split, want)
		}
		// What was sold is what was invoiced: the March change of TEN2 with
		// its discount line.
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if got := fmt.Sprint(subscriptionLines(invs, ten)); !strings.Contains(got, "change:68.13 discount:-6.81") {
			t.Errorf("TEN2 invoice lines %s lack the change's discount", got)
		}
		checkBalanced(t, st)
	})
}
