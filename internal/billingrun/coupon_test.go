package billingrun_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/coupons"
	"github.com/mercato-market/mercato/internal/mercato"
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
