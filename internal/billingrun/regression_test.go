package billingrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// The regression tests of issue 13's five billing bugs: each was reproduced
// by hand on the demo and failed here before the charge ledger. Every
// expected amount is worked out in a comment from the plan prices and
// markups the test sets up; proration is by whole hours (March has 744).

// deploy marks subscriptions delivered, as the platform reports it for
// their vendors: a subscription bought on account is invoiced once
// delivered.
func deploy(t *testing.T, st *store.Store, w *storetest.World, subs ...int64) {
	t.Helper()
	for _, sub := range subs {
		if _, err := app.Lifecycle(st).SetStatus(context.Background(), w.Platform.Principal, sub, subscription.Deployed); err != nil {
			t.Fatalf("deploy %d: %v", sub, err)
		}
	}
}

// change sets a subscription's seats (qty > 0) or plan (plan > 0) as its customer.
func change(t *testing.T, st *store.Store, p mercato.Principal, sub, qty, plan int64) {
	t.Helper()
	var c subscription.Change
	if qty > 0 {
		c.Quantity = &qty
	}
	if plan > 0 {
		c.PlanID = &plan
	}
	if _, err := app.Ordering(st).Change(context.Background(), p, sub, c); err != nil {
		t.Fatalf("change %d: %v", sub, err)
	}
}

// markup sets an organization's percentage markup on a plan.
func markup(t *testing.T, st *store.Store, w *storetest.World, org, plan int64, percent string) {
	t.Helper()
	e := pricing.PriceListEntry{OrganizationID: org, PlanID: plan, Markup: pricing.Markup{Kind: pricing.MarkupPercentage, Value: decimal.RequireFromString(percent)}}
	if _, err := storetest.Channel(st).SetPrice(context.Background(), w.Platform.Principal, e); err != nil {
		t.Fatal(err)
	}
}

// orders returns a subscription's orders, oldest first.
func orders(t *testing.T, st *store.Store, w *storetest.World, sub int64) []subscription.Order {
	t.Helper()
	list, _, err := st.ListOrders(context.Background(), w.Platform.Principal, store.OrderFilter{SubscriptionID: sub}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// allAmounts shows the lines of every invoice, for failure messages.
func allAmounts(invs []billing.Invoice) [][]string {
	out := make([][]string, 0, len(invs))
	for _, inv := range invs {
		out = append(out, amounts(inv))
	}
	return out
}

// ordersTotal is what a customer was told it bought: the sum of its orders' totals.
func ordersTotal(t *testing.T, st *store.Store, w *storetest.World, subs ...int64) decimal.Decimal {
	t.Helper()
	total := decimal.Zero
	for _, sub := range subs {
		for _, o := range orders(t, st, w, sub) {
			total = total.Add(o.Total)
		}
	}
	return total
}

// invoicedTotal is the sum of a customer's invoices' subtotals.
func invoicedTotal(t *testing.T, st *store.Store, w *storetest.World, customer int64) decimal.Decimal {
	t.Helper()
	total := decimal.Zero
	for _, inv := range invoices(t, st, w.Platform.Principal, customer) {
		total = total.Add(inv.Subtotal)
	}
	return total
}

// TestUpgradeBeforeTheFirstRunIsBilledOnce: an upgrade made before the
// month's first run was billed twice, once as the CHANGE and once more in a
// recurring line priced at the subscription's current quantity.
func TestUpgradeBeforeTheFirstRunIsBilledOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, clk := billingWorld(t, st)
		five := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Five", `{"currency":"EUR","period":"P1M","model":"per_unit","unit":"seat","unit_amount":"5.00"}`)
		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, five.ID, 3)
		deploy(t, st, w, sub)
		clk.set("2026-03-01T01:00:00Z")
		change(t, st, w.C1.Principal, sub, 5, 0)
		run(t, st, w, "2026-03")
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 1 {
			t.Fatalf("%d invoices", len(invs))
		}
		// March in advance as ordered: 3 × 5.00 = 15.00; the upgrade: 2 more
		// seats × 5.00 = 10.00 for 743 of 744 hours = 9.9866 → 9.99. Not
		// 5 × 5.00 = 25.00 for the month and the 9.99 again (34.99).
		if got := fmt.Sprint(amounts(invs[0])); got != "[recurring:15.00 change:9.99]" {
			t.Fatalf("invoice %s, want [recurring:15.00 change:9.99]", got)
		}
		if sold := ordersTotal(t, st, w, sub); !invs[0].Subtotal.Equal(sold) || sold.StringFixed(2) != "24.99" {
			t.Fatalf("invoiced %s, the orders total %s (want 24.99)", invs[0].Subtotal, sold)
		}
	})
}

// TestDowngradeIsNotBilledLow: 10 → 15 → 8 seats in one month billed the
// month at 8 seats, though 10 were sold for it and 5 more for its rest.
func TestDowngradeIsNotBilledLow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, clk := billingWorld(t, st)
		seats := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Seats 5.60", `{"currency":"EUR","period":"P1M","model":"per_unit","unit":"seat","unit_amount":"5.60"}`)
		markup(t, st, w, w.D1.Org.ID, seats.ID, "10")
		markup(t, st, w, w.R1.Org.ID, seats.ID, "15")
		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, seats.ID, 10)
		deploy(t, st, w, sub)
		clk.set("2026-03-01T01:00:00Z")
		change(t, st, w.C1.Principal, sub, 15, 0)
		clk.set("2026-03-10T00:00:00Z")
		change(t, st, w.C1.Principal, sub, 8, 0)
		run(t, st, w, "2026-03")
		// Each level rounds its line: 10 seats 56.00 → +10% 61.60 → +15%
		// 70.84; 15 seats 84.00 → 92.40 → 106.26, so 5 more seats cost
		// 35.42 a month, × 743/744 hours = 35.3724 → 35.37. The downgrade
		// costs nothing now; March stays at 10 seats (not 8: 56.67).
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 1 || fmt.Sprint(amounts(invs[0])) != "[recurring:70.84 change:35.37]" {
			t.Fatalf("invoices %v, want [recurring:70.84 change:35.37]", allAmounts(invs))
		}
		// April renews at 8 seats: 44.80 → 49.28 → 56.672 → 56.67.
		clk.set("2026-04-01T00:00:00Z")
		run(t, st, w, "2026-04")
		invs = invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 2 || fmt.Sprint(amounts(invs[1])) != "[recurring:56.67]" {
			t.Fatalf("April %v, want [recurring:56.67]", allAmounts(invs))
		}
		if sold := ordersTotal(t, st, w, sub); !invoicedTotal(t, st, w, w.C1.Org.ID).Equal(sold) {
			t.Fatalf("invoiced %s, the orders total %s", invoicedTotal(t, st, w, w.C1.Org.ID), sold)
		}
	})
}

// TestTerminatedBeforeTheRunIsBilledItsStartedPeriod: a subscription
// terminated before the run was never billed the period it had started,
// though its change was.
func TestTerminatedBeforeTheRunIsBilledItsStartedPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 2)
		deploy(t, st, w, sub)
		clk.set("2026-03-16T00:00:00Z")
		change(t, st, w.C1.Principal, sub, 4, 0)
		clk.set("2026-03-20T00:00:00Z")
		if _, err := app.Lifecycle(st).Act(ctx, w.C1.Principal, sub, subscription.ActionTerminate); err != nil {
			t.Fatal(err)
		}
		run(t, st, w, "2026-03")
		// March as ordered: 2 × 10.00 = 20.00; the upgrade: 2 more seats ×
		// 10.00 = 20.00 for 384 of 744 hours (Mar 16 – Apr 1) = 10.32.
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 1 || fmt.Sprint(amounts(invs[0])) != "[recurring:20.00 change:10.32]" {
			t.Fatalf("invoices %v, want [recurring:20.00 change:10.32]", allAmounts(invs))
		}
		clk.set("2026-04-01T00:00:00Z")
		if r := run(t, st, w, "2026-04"); r.Invoices != 0 {
			t.Fatalf("a terminated subscription billed again: %+v", r)
		}
	})
}

// TestChangeIsPricedThroughTheChannel: a CHANGE order was priced at the
// vendor's list price without the channel's markups, and the invoice then
// billed another amount for it, with the new plan's markups on both sides.
func TestChangeIsPricedThroughTheChannel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, clk := billingWorld(t, st)
		twelve := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Seats 12", `{"currency":"EUR","period":"P1M","model":"per_unit","unit":"seat","unit_amount":"12.00"}`)
		markup(t, st, w, w.D1.Org.ID, w.PlanA.ID, "10")
		markup(t, st, w, w.R1.Org.ID, w.PlanA.ID, "20")
		markup(t, st, w, w.D1.Org.ID, twelve.ID, "5")
		markup(t, st, w, w.R1.Org.ID, twelve.ID, "50")
		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 3)
		deploy(t, st, w, sub)
		clk.set("2026-03-01T01:00:00Z")
		change(t, st, w.C1.Principal, sub, 0, twelve.ID)
		// Old plan at its channel: 3 × 10.00 = 30.00 → +10% 33.00 → +20%
		// 39.60. New plan at its own: 3 × 12.00 = 36.00 → +5% 37.80 → +50%
		// 56.70. The change: 17.10 × 743/744 hours = 17.077 → 17.08 (not
		// the list price difference 6.00 × 743/744 = 5.99).
		os := orders(t, st, w, sub)
		if len(os) != 2 || os[1].Total.StringFixed(2) != "17.08" {
			t.Fatalf("CHANGE order total %s, want 17.08", os[len(os)-1].Total)
		}
		run(t, st, w, "2026-03")
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 1 || fmt.Sprint(amounts(invs[0])) != "[recurring:39.60 change:17.08]" {
			t.Fatalf("invoices %v, want [recurring:39.60 change:17.08]", allAmounts(invs))
		}
		if sold := ordersTotal(t, st, w, sub); !invs[0].Subtotal.Equal(sold) {
			t.Fatalf("invoiced %s, the orders total %s", invs[0].Subtotal, sold)
		}
	})
}

// TestUndeliveredIsNotInvoiced: a subscription bought on account that its
// vendor had not delivered (PENDING) was invoiced in full. It is invoiced
// once delivered; ended without delivery, never.
func TestUndeliveredIsNotInvoiced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		late := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 1)
		never := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 2)
		if r := run(t, st, w, "2026-03"); r.Invoices != 0 {
			t.Fatalf("undelivered subscriptions invoiced: %d invoices", r.Invoices)
		}
		clk.set("2026-03-05T00:00:00Z")
		deploy(t, st, w, late)
		if _, err := app.Lifecycle(st).Act(ctx, w.C1.Principal, never, subscription.ActionTerminate); err != nil {
			t.Fatal(err)
		}
		run(t, st, w, "2026-03")
		// Delivered: March as ordered, 1 × 10.00. The other ended undelivered.
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 1 || fmt.Sprint(amounts(invs[0])) != "[recurring:10.00]" || invs[0].Lines[0].SubscriptionID != late {
			t.Fatalf("invoices %v, want one [recurring:10.00] of %d", allAmounts(invs), late)
		}
		clk.set("2026-04-01T00:00:00Z")
		run(t, st, w, "2026-04")
		for _, inv := range invoices(t, st, w.C1.Principal, w.C1.Org.ID) {
			for _, l := range inv.Lines {
				if l.SubscriptionID == never {
					t.Fatalf("the undelivered subscription is invoiced: %v", amounts(inv))
				}
			}
		}
	})
}

// TestTermPeriodsKeepTheirVersion: the periods of a term longer than its
// period (an annual commitment billed monthly) are charged as they begin
// at the version the subscription was sold at, whatever the vendor's price
// and the channel's markups are by then; the renewal sells the next term
// at the price of its day.
func TestTermPeriodsKeepTheirVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		annual := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Annual", `{"currency":"EUR","period":"P1M","term":"P3M","model":"per_unit","unit":"seat","unit_amount":"5.60"}`)
		markup(t, st, w, w.R1.Org.ID, annual.ID, "15")
		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, annual.ID, 10)
		deploy(t, st, w, sub)
		run(t, st, w, "2026-03")
		// Sold at 10 × 5.60 = 56.00, +15% = 64.40 a month for three months.
		clk.set("2026-03-15T00:00:00Z")
		markup(t, st, w, w.R1.Org.ID, annual.ID, "50")
		price := `{"currency":"EUR","period":"P1M","term":"P3M","model":"per_unit","unit":"seat","unit_amount":"6.00"}`
		var p pricing.Pricing
		if err := json.Unmarshal([]byte(price), &p); err != nil {
			t.Fatal(err)
		}
		if _, err := storetest.Listing(st).UpdatePlan(ctx, w.VendorA.Principal, annual.ID, listing.PlanUpdate{Pricing: &p}); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"2026-04", "2026-05"} {
			clk.set(m + "-01T00:00:00Z")
			run(t, st, w, m)
		}
		// The term ends on June 1: renewed at 10 × 6.00 = 60.00, +50% = 90.00.
		clk.set("2026-06-01T00:00:00Z")
		run(t, st, w, "2026-06")
		var got [][]string
		for _, inv := range invoices(t, st, w.C1.Principal, w.C1.Org.ID) {
			got = append(got, amounts(inv))
		}
		if fmt.Sprint(got) != "[[recurring:64.40] [recurring:64.40] [recurring:64.40] [recurring:90.00]]" {
			t.Fatalf("invoices %v, want three months at 64.40 and the renewal at 90.00", got)
		}
		if sold := ordersTotal(t, st, w, sub); sold.StringFixed(2) != "154.40" {
			t.Fatalf("orders total %s, want the NEW 64.40 and the RENEWAL 90.00", sold)
		}
	})
}
