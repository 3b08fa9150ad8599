package billingrun_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// seatsSoldThroughR1 buys 10 seats at 5.60 (through D1's 10% and R1's
// 15%: 70.84 a month) for C1, delivered, then on 1 March 01:00 raises
// them to 15 (106.26 a month, 5 more seats for 743 of 744 hours: 35.37)
// and on 10 March lowers them to 8 (56.67 a month).
func seatsSoldThroughR1(t *testing.T, st *store.Store, w *storetest.World, clk *clock, term string) (sub, plan int64) {
	t.Helper()
	seats := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Seats 5.60", `{"currency":"EUR","period":"P1M","term":"`+term+`","model":"per_unit","unit":"seat","unit_amount":"5.60"}`)
	markup(t, st, w, w.D1.Org.ID, seats.ID, "10")
	markup(t, st, w, w.R1.Org.ID, seats.ID, "15")
	sub = buy(t, st, w.C1.Principal, w.C1.Org.ID, seats.ID, 10)
	deploy(t, st, w, sub)
	clk.set("2026-03-01T01:00:00Z")
	change(t, st, w.C1.Principal, sub, 15, 0)
	clk.set("2026-03-10T00:00:00Z")
	change(t, st, w.C1.Principal, sub, 8, 0)
	return sub, seats.ID
}

// seatsNow returns a subscription's seats and its scheduled change as the
// customer reads them ("none" without one).
func seatsNow(t *testing.T, st *store.Store, p mercato.Principal, sub int64) string {
	t.Helper()
	s, err := app.Lifecycle(st).Subscription(context.Background(), p, sub)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := app.Ordering(st).ScheduledChange(context.Background(), p, sub)
	if err != nil {
		t.Fatal(err)
	}
	if sc == nil {
		return fmt.Sprintf("%d seats, none", s.Quantity)
	}
	return fmt.Sprintf("%d seats, %d from %s", s.Quantity, sc.Quantity, sc.From.Format(time.DateOnly))
}

// TestDowngradeTakesEffectAtThePeriodsEnd: 10 → 15 → 8 seats keeps 15
// seats, charged, for the rest of March, shown with the downgrade
// scheduled for 1 April; from April the subscription has 8 and is charged
// 8, whether April renews a monthly term or is the next period of a
// quarterly one (charged by the run, which tells the vendor).
func TestDowngradeTakesEffectAtThePeriodsEnd(t *testing.T) {
	for _, term := range []string{"P1M", "P3M"} {
		t.Run(term, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				w, clk := billingWorld(t, st)
				sub, _ := seatsSoldThroughR1(t, st, w, clk, term)
				if got := seatsNow(t, st, w.C1.Principal, sub); got != "15 seats, 8 from 2026-04-01" {
					t.Fatalf("after the downgrade: %s", got)
				}
				run(t, st, w, "2026-03")
				invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
				if len(invs) != 1 || fmt.Sprint(amounts(invs[0])) != "[recurring:70.84 change:35.37]" {
					t.Fatalf("March %v, want [recurring:70.84 change:35.37]", allAmounts(invs))
				}
				clk.set("2026-04-01T00:00:00Z")
				run(t, st, w, "2026-04")
				invs = invoices(t, st, w.C1.Principal, w.C1.Org.ID)
				if len(invs) != 2 || fmt.Sprint(amounts(invs[1])) != "[recurring:56.67]" {
					t.Fatalf("April %v, want [recurring:56.67]", allAmounts(invs))
				}
				if got := seatsNow(t, st, w.C1.Principal, sub); got != "8 seats, none" {
					t.Fatalf("in April: %s", got)
				}
				// A quarterly term's April is no order: only a renewal is.
				if sold := ordersTotal(t, st, w, sub); term == "P1M" && !invoicedTotal(t, st, w, w.C1.Org.ID).Equal(sold) {
					t.Fatalf("invoiced %s, the orders total %s", invoicedTotal(t, st, w, w.C1.Org.ID), sold)
				}
			})
		})
	}
}

// TestCancelledDowngradeChargesOn: a downgrade cancelled before the period
// ends leaves the subscription at 15 seats, charged 15 from April on; a
// second cancellation finds nothing to cancel.
func TestCancelledDowngradeChargesOn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, clk := billingWorld(t, st)
		sub, _ := seatsSoldThroughR1(t, st, w, clk, "P1M")
		ctx := context.Background()
		if _, err := app.Ordering(st).CancelScheduledChange(ctx, w.C2.Principal, sub); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("another customer cancels: %v", err)
		}
		if _, err := app.Ordering(st).CancelScheduledChange(ctx, w.C1.Principal, sub); err != nil {
			t.Fatal(err)
		}
		if got := seatsNow(t, st, w.C1.Principal, sub); got != "15 seats, none" {
			t.Fatalf("after the cancellation: %s", got)
		}
		if _, err := app.Ordering(st).CancelScheduledChange(ctx, w.C1.Principal, sub); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("cancelled twice: %v", err)
		}
		run(t, st, w, "2026-03")
		clk.set("2026-04-01T00:00:00Z")
		run(t, st, w, "2026-04")
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		// April renews 15 seats: 84.00 → 92.40 → 106.26.
		if len(invs) != 2 || fmt.Sprint(amounts(invs[1])) != "[recurring:106.26]" {
			t.Fatalf("April %v, want [recurring:106.26]", allAmounts(invs))
		}
		if got := seatsNow(t, st, w.C1.Principal, sub); got != "15 seats, none" {
			t.Fatalf("in April: %s", got)
		}
	})
}
