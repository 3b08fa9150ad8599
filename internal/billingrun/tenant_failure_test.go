package billingrun_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/usage"
)

// TestOneTenantCannotStopTheRun: a reseller's markup that no longer
// prices, and a vendor's usage beyond what a metric prices, made the whole
// run fail with no invoice for anyone. Now each subscription that cannot
// be charged is skipped with its reason, every other invoice is issued,
// and the next run tries again.
func TestOneTenantCannotStopTheRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		metered := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Metered", `{"currency":"EUR","model":"flat","amount":"10.00","metrics":[
			{"name":"calls","unit":"call","model":"per_unit","unit_amount":"0.001"}]}`)
		vendorsSub := buy(t, st, w.C1.Principal, w.C1.Org.ID, metered.ID, 1)
		resellersSub := buy(t, st, w.C2.Principal, w.C2.Org.ID, w.PlanB.ID, 1)
		deploy(t, st, w, vendorsSub, resellersSub)
		run(t, st, w, "2026-03")

		// The vendor's usage: a value no metric prices is refused at once;
		// two that each do sum beyond what one does.
		push := func(q string, key string) error {
			at := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
			_, _, err := usage.New(st, store.TxFunc[usage.Tx](st)).RecordUsage(ctx, w.VendorA.Principal, vendorsSub,
				usage.Report{Metric: "calls", Quantity: decimal.RequireFromString(q), OccurredAt: &at, IdempotencyKey: key})
			return err
		}
		clk.set("2026-03-20T00:00:00Z")
		if err := push("999999999999999999.999999999999", "absurd"); mercato.ErrorCode(err) != mercato.EINVALID || mercato.Fields(err)[0].Path != "quantity" {
			t.Fatalf("an absurd usage value was taken: %v", err)
		}
		for _, k := range []string{"a", "b"} {
			if err := push("900000000000000", k); err != nil {
				t.Fatal(err)
			}
		}
		// The reseller's fixed price is below what it buys at: the channel
		// service refuses it now, so it is written as a price list kept
		// from before that rule would hold it.
		markupOf := func(kind, value string) {
			e := pricing.PriceListEntry{OrganizationID: w.R2.Org.ID, PlanID: w.PlanB.ID, Markup: pricing.Markup{Kind: kind, Value: decimal.RequireFromString(value)}}
			if _, err := storetest.Channel(st).SetPrice(ctx, w.Platform.Principal, e); err != nil {
				t.Fatal(err)
			}
		}
		below := pricing.PriceListEntry{OrganizationID: w.R2.Org.ID, PlanID: w.PlanB.ID, Markup: pricing.Markup{Kind: pricing.MarkupFixed, Value: decimal.RequireFromString("1.00")}}
		if err := st.InTx(ctx, func(tx *store.Tx) error { return tx.PutPrice(ctx, below) }); err != nil {
			t.Fatal(err)
		}

		clk.set("2026-04-01T00:00:00Z")
		r := run(t, st, w, "2026-04")
		if r.Status != "finished" || r.Skipped != 2 || r.Renewed != 1 {
			t.Fatalf("run %+v", r)
		}
		skips, err := st.BillingRunSkips(ctx, r.ID)
		if err != nil || len(skips) != 2 || fmt.Sprintf("%d %s %d %s", skips[0].SubscriptionID, skips[0].Step, skips[1].SubscriptionID, skips[1].Step) !=
			fmt.Sprintf("%d usage %d renewal", vendorsSub, resellersSub) || !strings.Contains(skips[1].Reason, "below") {
			t.Fatalf("skips %+v %v", skips, err)
		}
		// The vendor's customer still gets April in advance.
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 2 || fmt.Sprint(amounts(invs[1])) != "[recurring:10.00]" {
			t.Fatalf("C1's invoices %v", allAmounts(invs))
		}
		// Corrected, the next run renews it: 5.00 + 10%.
		markupOf(pricing.MarkupPercentage, "10")
		clk.set("2026-04-02T00:00:00Z")
		r = run(t, st, w, "2026-04")
		invs = invoices(t, st, w.C2.Principal, w.C2.Org.ID)
		if r.Renewed != 1 || r.Skipped != 1 || len(invs) != 2 || fmt.Sprint(amounts(invs[1])) != "[recurring:5.50]" {
			t.Fatalf("after the correction: run %+v, C2's invoices %v", r, allAmounts(invs))
		}
		runs, err := service(st).ListBillingRuns(ctx, w.Platform.Principal, 1)
		if err != nil || runs[0].Skipped != 1 {
			t.Fatalf("runs %+v %v", runs, err)
		}
	})
}
