package store_test

import (
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestChargeLedgerMigration runs 00012 on a store billed before the charge
// ledger: a quarterly subscription billed monthly whose March an invoice
// billed goes on from April, charged once at the version of the moment its
// next period is charged (the schedule from before records none), and
// March is not billed again.
func TestChargeLedgerMigration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		st.Now = func() time.Time { return now }
		w := storetest.NewWorld(t, st)
		svc := billingrun.New(st, store.TxFunc[billingrun.Tx](st))
		quarterly := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Quarterly", `{"currency":"EUR","period":"P1M","term":"P3M","model":"per_unit","unit":"seat","unit_amount":"10.00"}`)
		sub := storetest.Order(t, st, w.C1.Principal, 0, quarterly.ID, 3)
		if _, err := app.Lifecycle(st).SetStatus(ctx, w.Platform.Principal, sub.ID, subscription.Deployed); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(now)}); err != nil {
			t.Fatal(err)
		}
		// Before the ledger: only the invoice line says March was billed.
		remigrate(t, st, 11)
		var anchor, until time.Time
		var version string
		if err := st.DB().QueryRow(`SELECT anchor, charged_until, version FROM charge_schedules WHERE subscription_id = $1`, sub.ID).Scan(&anchor, &until, &version); err != nil {
			t.Fatal(err)
		}
		april := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		if !anchor.Equal(april) || !until.Equal(april) || (version != "{}" && version != "{ }") {
			t.Fatalf("schedule after the migration: anchor %s, charged until %s, version %s", anchor, until, version)
		}
		// April is the second month of its term: the April run charges it
		// once, at 3 × 10.00.
		now = april
		for range 2 {
			if _, err := svc.RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(now)}); err != nil {
				t.Fatal(err)
			}
		}
		invs, _, err := st.ListInvoices(ctx, w.Platform.Principal, store.InvoiceFilter{CustomerID: w.C1.Org.ID}, store.Page{})
		if err != nil || len(invs) != 2 || invs[0].Subtotal.StringFixed(2) != "30.00" || invs[1].Subtotal.StringFixed(2) != "30.00" {
			t.Fatalf("invoices %+v %v, want March and April at 30.00", invs, err)
		}
		if err := st.DB().QueryRow(`SELECT version FROM charge_schedules WHERE subscription_id = $1`, sub.ID).Scan(&version); err != nil || len(version) < 10 {
			t.Fatalf("the version charged is not recorded: %q %v", version, err)
		}
	})
}
