package billingrun_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// TestListPayments: the operator lists every payment newest first, with
// its invoice and customer, in pages; each is full, partial or a refund
// by its amount against its invoice's total, and the filter keeps one
// kind; nobody else lists them, and an unknown kind is refused naming the
// field.
func TestListPayments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, _ := billingWorld(t, st)
		buy(t, st, w.C1b.Principal, w.C1b.Org.ID, w.PlanA.ID, 1)
		// C1 buys on account: billed once delivered.
		if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 2), subscription.Deployed); err != nil {
			t.Fatal(err)
		}
		run(t, st, w, "2026-03")
		a, b := invoices(t, st, w.C1b.Principal, w.C1b.Org.ID)[0], invoices(t, st, w.C1.Principal, w.C1.Org.ID)[0]
		svc, op := service(st), w.Platform.Principal
		part := decimal.RequireFromString("3.5")
		rest := a.Total.Sub(part)
		for _, pay := range []struct {
			id  int64
			amt *decimal.Decimal
		}{{a.ID, &part}, {a.ID, &rest}, {b.ID, nil}} {
			if _, err := svc.PayInvoice(ctx, op, pay.id, billingrun.PaymentRequest{Amount: pay.amt, Reference: "bank"}); err != nil {
				t.Fatal(err)
			}
		}
		// A refund through the provider is a negative payment.
		refund := billing.Payment{InvoiceID: b.ID, Amount: decimal.RequireFromString("-2"), Currency: b.Currency, Method: "stripe", Reference: "re_1", CreatedAt: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
		if err := store.TxFunc[billingrun.Tx](st)(ctx, func(tx billingrun.Tx) error { return tx.InsertPayment(ctx, refund, 0) }); err != nil {
			t.Fatal(err)
		}
		all, err := svc.ListPayments(ctx, op, billing.PaymentFilter{})
		if err != nil || len(all) != 4 {
			t.Fatalf("payments %+v, %v; want 4", all, err)
		}
		type row struct {
			invoice  int64
			customer string
			amount   string
			kind     billing.PaymentKind
			method   string
		}
		want := []row{
			{b.ID, w.C1.Org.Name, "-2", billing.PaymentRefund, "stripe"},
			{b.ID, w.C1.Org.Name, b.Total.String(), billing.PaymentFull, "manual"},
			{a.ID, w.C1b.Org.Name, rest.String(), billing.PaymentPartial, "manual"},
			{a.ID, w.C1b.Org.Name, "3.5", billing.PaymentPartial, "manual"},
		}
		for i, p := range all {
			got := row{p.InvoiceID, p.Customer, p.Amount.String(), p.Kind, p.Method}
			if got != want[i] || p.InvoiceNumber == "" || p.InvoiceNumber != map[int64]string{a.ID: a.Number, b.ID: b.Number}[p.InvoiceID] || p.CreatedAt.IsZero() {
				t.Errorf("payment %d: %+v (%s), want %+v", i, got, p.InvoiceNumber, want[i])
			}
		}
		// Pages: two, then the rest before the second's id.
		first, err := svc.ListPayments(ctx, op, billing.PaymentFilter{Limit: 2})
		if err != nil || len(first) != 2 || first[1].ID != all[1].ID {
			t.Fatalf("first page %+v %v", first, err)
		}
		if next, err := svc.ListPayments(ctx, op, billing.PaymentFilter{Limit: 2, Before: first[1].ID}); err != nil || len(next) != 2 || next[0].ID != all[2].ID || next[1].ID != all[3].ID {
			t.Fatalf("second page %+v %v", next, err)
		}
		for kind, n := range map[billing.PaymentKind]int{billing.PaymentFull: 1, billing.PaymentPartial: 2, billing.PaymentRefund: 1} {
			got, err := svc.ListPayments(ctx, op, billing.PaymentFilter{Kind: kind})
			if err != nil || len(got) != n {
				t.Errorf("%s: %d payments (%v), want %d", kind, len(got), err, n)
			}
			for _, p := range got {
				if p.Kind != kind {
					t.Errorf("%s filter lists a %s payment", kind, p.Kind)
				}
			}
		}
		for _, p := range []mercato.Principal{w.C1b.Principal, w.VendorA.Principal, w.R1.Principal} {
			if _, err := svc.ListPayments(ctx, p, billing.PaymentFilter{}); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
				t.Errorf("org %d lists payments: %v", p.OrgID, err)
			}
		}
		_, err = svc.ListPayments(ctx, op, billing.PaymentFilter{Kind: "late"})
		if f := mercato.Fields(err); mercato.ErrorCode(err) != mercato.EINVALID || len(f) != 1 || f[0].Path != "status" {
			t.Fatalf("unknown kind: %v", err)
		}
	})
}
