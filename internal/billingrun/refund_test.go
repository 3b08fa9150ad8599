package billingrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestCommitmentRefundIsACreditNote: a commitment terminated within its
// cancellation window refunds the rest of its period as a negative
// charge. Its period was invoiced by an earlier run, so the next run
// would bill the refund alone (a negative invoice) or net it against
// another subscription's charges; it must instead be a credit note
// against the invoice that billed the period, carrying the refund's split,
// and the other subscriptions are invoiced as usual. Before the fix the
// April run issued invoices of -27.10 and 10.00 - 27.10.
func TestCommitmentRefundIsACreditNote(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		if _, err := st.DB().Exec(`UPDATE organizations SET on_account = TRUE WHERE id = $1`, w.C1b.Org.ID); err != nil {
			t.Fatal(err)
		}
		annual := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Annual",
			`{"currency":"EUR","period":"P1M","commitment":"P1Y","cancellation_window_days":7,"model":"per_unit","unit":"seat","unit_amount":"10.00"}`)
		// C1: an annual commitment of 3 seats and a monthly seat of PlanA;
		// C1b: the annual commitment alone.
		withOther := buy(t, st, w.C1.Principal, w.C1.Org.ID, annual.ID, 3)
		other := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 1)
		alone := buy(t, st, w.C1b.Principal, w.C1b.Org.ID, annual.ID, 3)
		deploy(t, st, w, withOther, other, alone)
		run(t, st, w, "2026-03")
		march := map[int64]billing.Invoice{}
		for _, c := range []int64{w.C1.Org.ID, w.C1b.Org.ID} {
			invs := invoices(t, st, w.Platform.Principal, c)
			if len(invs) != 1 {
				t.Fatalf("customer %d: March invoices %v", c, allAmounts(invs))
			}
			march[c] = invs[0]
		}
		// March 4th, within the window: 672 of March's 744 hours of
		// 3 × 10.00 are refunded, 27.10.
		clk.set("2026-03-04T00:00:00Z")
		for sub, p := range map[int64]mercato.Principal{withOther: w.C1.Principal, alone: w.C1b.Principal} {
			if got, err := app.Lifecycle(st).Act(ctx, p, sub, subscription.ActionTerminate); err != nil || got.TerminateAt != nil {
				t.Fatalf("terminate %d within the window: %+v %v", sub, got, err)
			}
		}
		clk.set("2026-04-01T01:00:00Z")
		r := run(t, st, w, "2026-04")
		if r.Skipped != 0 {
			t.Fatalf("run skipped: %+v", r.Skips)
		}
		for _, c := range []struct {
			customer int64
			invoices string // the April invoices
		}{
			{w.C1.Org.ID, "[[recurring:10.00]]"},
			{w.C1b.Org.ID, "[]"},
		} {
			var april []billing.Invoice
			var notes []billing.Invoice
			for _, inv := range invoices(t, st, w.Platform.Principal, c.customer) {
				switch {
				case inv.Total.IsNegative() && inv.Kind == billing.KindInvoice:
					t.Errorf("customer %d: a negative invoice %s %v", c.customer, inv.Total, amounts(inv))
				case inv.Kind == billing.KindCreditNote:
					notes = append(notes, inv)
				case inv.ID != march[c.customer].ID:
					april = append(april, inv)
				}
			}
			if got := fmt.Sprint(allAmounts(april)); got != c.invoices {
				t.Errorf("customer %d: April invoices %s, want %s", c.customer, got, c.invoices)
			}
			if len(notes) != 1 {
				t.Fatalf("customer %d: %d credit notes, want 1", c.customer, len(notes))
			}
			cn := notes[0]
			if cn.CreditedInvoiceID != march[c.customer].ID || cn.Status != billing.StatusIssued || cn.Number == "" {
				t.Errorf("customer %d: credit note %+v does not credit the March invoice %d", c.customer, cn, march[c.customer].ID)
			}
			if got := fmt.Sprint(amounts(cn)); got != "[refund:-27.10]" || !cn.Subtotal.Equal(decimal.RequireFromString("-27.10")) {
				t.Errorf("customer %d: credit note %s subtotal %s, want [refund:-27.10]", c.customer, got, cn.Subtotal)
			}
			// The refund's split: every party gives back its share.
			shares := decimal.Zero
			for _, s := range cn.Lines[0].Shares {
				shares = shares.Add(s.Amount)
			}
			if !shares.Equal(cn.Subtotal) || len(cn.Lines[0].Shares) < 2 {
				t.Errorf("customer %d: credit note shares %v, want a split of %s", c.customer, cn.Lines[0].Shares, cn.Subtotal)
			}
			// The refund charge is invoiced by the credit note, once.
			var invoiceID int64
			sub := withOther
			if c.customer == w.C1b.Org.ID {
				sub = alone
			}
			if err := st.DB().QueryRow(`SELECT invoice_id FROM charges WHERE subscription_id = $1 AND kind = 'refund'`, sub).Scan(&invoiceID); err != nil || invoiceID != cn.ID {
				t.Errorf("customer %d: the refund charge is invoiced by %d (%v), want the credit note %d", c.customer, invoiceID, err, cn.ID)
			}
			// What remains due of March is its total less the credit.
			bal, err := service(st).InvoiceBalance(ctx, w.Platform.Principal, march[c.customer].ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := march[c.customer].Total.Add(cn.Total); !bal.Due.Equal(want) {
				t.Errorf("customer %d: March due %s, want %s", c.customer, bal.Due, want)
			}
		}
		// A second run finds nothing left to credit.
		run(t, st, w, "2026-04")
		var n int
		if err := st.DB().QueryRow(`SELECT COUNT(*) FROM invoices WHERE kind = 'credit_note'`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d credit notes after a second run (%v), want 2", n, err)
		}
		checkBalanced(t, st)
	})
}
