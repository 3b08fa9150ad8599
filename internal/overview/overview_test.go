package overview_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/overview"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

func TestReport(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "the report is made of what was recorded", Run: testReportFromRecords},
		{Name: "only the platform reads it", Run: testReportPlatformOnly},
	})
}

func testReportFromRecords(t *testing.T, st *store.Store, w *storetest.World) {
	ctx := context.Background()
	life := app.Lifecycle(st)
	// Two seats at 10.00 a month, delivered: 20.00 of MRR.
	live := storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 2)
	if _, err := life.SetStatus(ctx, w.VendorA.Principal, live.ID, subscription.Deployed); err != nil {
		t.Fatal(err)
	}
	// One the vendor could not provision, one the customer cancelled
	// before delivery: neither is recurring revenue.
	failed := storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1)
	if _, err := life.SetStatus(ctx, w.VendorA.Principal, failed.ID, subscription.Failed); err != nil {
		t.Fatal(err)
	}
	gone := storetest.Order(t, st, w.C1b.Principal, 0, w.PlanA.ID, 3)
	if _, err := life.Act(ctx, w.C1b.Principal, gone.ID, subscription.ActionTerminate); err != nil {
		t.Fatal(err)
	}
	bill := billingrun.New(st, store.TxFunc[billingrun.Tx](st))
	if _, err := bill.RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billing.MonthOf(storetest.Epoch)}); err != nil {
		t.Fatal(err)
	}
	invs, _, err := bill.ListInvoices(ctx, w.Platform.Principal, billing.InvoiceFilter{}, mercato.Page{Limit: 100})
	if err != nil || len(invs) == 0 {
		t.Fatalf("invoices %v, %v: the run issued none", invs, err)
	}
	five := decimal.NewFromInt(5)
	if _, err := bill.CreditInvoice(ctx, w.Platform.Principal, invs[0].ID, billing.CreditRequest{Reason: "goodwill", Amount: &five}); err != nil {
		t.Fatal(err)
	}
	invs, _, _ = bill.ListInvoices(ctx, w.Platform.Principal, billing.InvoiceFilter{}, mercato.Page{Limit: 100})
	net := decimal.Zero
	for _, inv := range invs {
		if inv.Status != billing.StatusVoid && inv.IssuedAt != nil {
			net = net.Add(inv.Subtotal)
		}
	}

	r, err := overview.New(st).Report(ctx, w.Platform.Principal)
	if err != nil {
		t.Fatal(err)
	}
	cur := overview.Months - 1
	if want := time.Date(2026, time.February, 1, 0, 0, 0, 0, time.UTC); !r.Months[cur].Equal(want) || !r.Months[0].Equal(want.AddDate(0, -11, 0)) {
		t.Fatalf("months %v … %v, want March 2025 … %v", r.Months[0], r.Months[cur], want)
	}
	money := func(name string, m []overview.Money) decimal.Decimal {
		if len(m) != 1 || m[0].Currency != "EUR" {
			t.Fatalf("%s: %+v, want EUR only", name, m)
		}
		for i, a := range m[0].Amounts[:cur] {
			if !a.IsZero() {
				t.Errorf("%s in %v = %s, want 0 (nothing then)", name, r.Months[i], a)
			}
		}
		return m[0].Amounts[cur]
	}
	if got := money("MRR", r.MRR); !got.Equal(decimal.NewFromInt(20)) {
		t.Errorf("MRR = %s, want 20 (the delivered subscription only)", got)
	}
	if got := money("revenue", r.Revenue); !got.Equal(net) || !net.IsPositive() {
		t.Errorf("revenue = %s, want %s (invoiced less the credit note, before tax)", got, net)
	}
	for _, c := range []struct {
		name string
		got  []int
		want int
	}{{"new", r.New, 3}, {"cancelled", r.Cancelled, 1}, {"failed provisionings", r.FailedProvisionings, 1}, {"failed payments", r.FailedPayments, 0}} {
		if c.got[cur] != c.want {
			t.Errorf("%s this month = %d, want %d", c.name, c.got[cur], c.want)
		}
	}
}

func testReportPlatformOnly(t *testing.T, st *store.Store, w *storetest.World) {
	for _, p := range []mercato.Principal{w.VendorA.Principal, w.D1.Principal, w.R1.Principal, w.C1.Principal} {
		_, err := overview.New(st).Report(context.Background(), p)
		storetest.MustCode(t, err, mercato.EFORBIDDEN)
	}
}
