package billingrun_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestEUInvoices bills a Romanian customer across a change of Romania's
// VAT rate (operator data, entered ahead) with the injected clock: each
// invoice is taxed at the rate valid on its date, names the product and
// plan on its line, carries the operator's seller identity as it was at
// issue and its payment terms; then credits the first invoice in parts.
func TestEUInvoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		svc, op := service(st), w.Platform.Principal
		if _, err := st.DB().Exec(`UPDATE organizations SET country = 'RO', address_line = 'Strada Ștefan cel Mare 3', city = 'Iași', postal_code = '700001' WHERE id = $1`, w.C1.Org.ID); err != nil {
			t.Fatal(err)
		}
		seller := billing.Seller{LegalName: "Mercato S.r.l.", Country: "IT", VATID: "IT01234567897", Address: mercato.Address{Line: "Via Roma 1", City: "Milano", PostalCode: "20121"},
			PaymentTermsDays: 30, PaymentInstructions: "IBAN IT60 X054 2811 1010 0000 0123 456"}
		if _, err := svc.SaveOperatorSettings(ctx, op, seller); err != nil {
			t.Fatal(err)
		}
		// Bad settings and rates answer 422 naming the field and write nothing;
		// only the platform's operator sets them.
		storetest.Unchanged(t, st, func() {
			bad := seller
			bad.VATID = "IT01234567890"
			if _, err := svc.SaveOperatorSettings(ctx, op, bad); fieldOf(err) != "vat_id" {
				t.Errorf("bad VAT id: %v", err)
			}
			if _, err := svc.AddTaxRate(ctx, op, billing.TaxRate{Country: "RO", Rate: decimal.NewFromInt(100), ValidFrom: day("2026-04-01")}); fieldOf(err) != "rate" {
				t.Errorf("rate 100: %v", err)
			}
			if _, err := svc.AddTaxRate(ctx, op, billing.TaxRate{Country: "RO", Rate: decimal.NewFromInt(21), ValidFrom: day("2025-08-01")}); mercato.ErrorCode(err) != mercato.ECONFLICT {
				t.Errorf("a second rate on a day: %v", err)
			}
			if _, err := svc.SaveOperatorSettings(ctx, w.C1.Principal, seller); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
				t.Errorf("a customer sets the seller: %v", err)
			}
		})
		if _, err := svc.AddTaxRate(ctx, op, billing.TaxRate{Country: "RO", Rate: decimal.NewFromInt(23), ValidFrom: day("2026-04-01")}); err != nil {
			t.Fatal(err)
		}

		deploy(t, st, w, buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 3))
		run(t, st, w, "2026-03")
		// The operator changes its name after March's invoice was issued.
		seller.LegalName = "Mercato S.p.A."
		if _, err := svc.SaveOperatorSettings(ctx, op, seller); err != nil {
			t.Fatal(err)
		}
		clk.set("2026-04-01T00:00:00Z")
		run(t, st, w, "2026-04")
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(invs) != 2 {
			t.Fatalf("%d invoices", len(invs))
		}
		for i, want := range []struct{ rate, total, seller, due string }{{"21", "36.30", "Mercato S.r.l.", "2026-03-31"}, {"23", "36.90", "Mercato S.p.A.", "2026-05-01"}} {
			inv := invs[i]
			if inv.TaxRate.String() != want.rate || inv.Total.StringFixed(2) != want.total || inv.Issuer.Name != want.seller ||
				inv.DueAt.Format(time.DateOnly) != want.due || inv.Issuer.VATID != "IT01234567897" || inv.Issuer.Address == nil || inv.Issuer.Address.City != "Milano" ||
				inv.Issuer.PaymentInstructions != seller.PaymentInstructions {
				t.Fatalf("invoice %d: rate %s total %s issuer %+v due %s, want %+v", i, inv.TaxRate, inv.Total, inv.Issuer, inv.DueAt, want)
			}
			if inv.Customer.Address == nil || inv.Customer.Address.City != "Iași" {
				t.Fatalf("invoice %d: buyer %+v", i, inv.Customer)
			}
			for _, l := range inv.Lines {
				if l.Product != w.ProductA.Name || l.Plan != w.PlanA.Name {
					t.Fatalf("invoice %d line %d names %q %q", i, l.No, l.Product, l.Plan)
				}
			}
		}

		// Partial credits of March's invoice (36.30): 10.00 before tax,
		// then more than remains (refused, nothing written), then the rest.
		march := invs[0]
		ten := decimal.NewFromInt(10)
		cn, err := svc.CreditInvoice(ctx, op, march.ID, billing.CreditRequest{Amount: &ten, Reason: "two seats unused"})
		if err != nil || cn.Number != "CN-2026-000001" || cn.Total.StringFixed(2) != "-12.10" {
			t.Fatalf("first credit: %v %s %s", err, cn.Number, cn.Total)
		}
		storetest.Unchanged(t, st, func() {
			over := decimal.NewFromInt(21) // 20.00 remains before tax
			if _, err := svc.CreditInvoice(ctx, op, march.ID, billing.CreditRequest{Amount: &over}); fieldOf(err) != "amount" {
				t.Errorf("over-credit: %v", err)
			}
			if _, err := svc.CreditInvoice(ctx, op, march.ID, billing.CreditRequest{Lines: []int{1}}); fieldOf(err) != "lines" {
				t.Errorf("the whole line after a partial credit: %v", err)
			}
			if _, err := svc.CreditInvoice(ctx, w.C1.Principal, march.ID, billing.CreditRequest{}); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
				t.Errorf("the customer credits: %v", err)
			}
		})
		again, _ := st.Invoice(ctx, op, march.ID)
		if again.Status != billing.StatusIssued || again.FullyCredited {
			t.Fatalf("after a partial credit: %s %t", again.Status, again.FullyCredited)
		}
		// Paying what is due: the total less the credit.
		if _, err := svc.PayInvoice(ctx, op, march.ID, billingrun.PaymentRequest{Amount: &march.Total}); fieldOf(err) != "amount" {
			t.Fatalf("paying the full total after a credit: %v", err)
		}
		cn2, err := svc.CreditInvoice(ctx, op, march.ID, billing.CreditRequest{})
		if err != nil || cn2.Number != "CN-2026-000002" || cn2.Total.StringFixed(2) != "-24.20" {
			t.Fatalf("rest: %v %s %s", err, cn2.Number, cn2.Total)
		}
		again, _ = st.Invoice(ctx, op, march.ID)
		if again.Status != billing.StatusIssued || !again.FullyCredited || again.VoidedAt != nil {
			t.Fatalf("credited in full: %s %t", again.Status, again.FullyCredited)
		}
		if _, err := svc.CreditInvoice(ctx, op, march.ID, billing.CreditRequest{}); mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("credited beyond the total: %v", err)
		}
		if _, err := svc.PayInvoice(ctx, op, march.ID, billingrun.PaymentRequest{}); mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("paying a fully credited invoice: %v", err)
		}
		// Dunning no longer chases it.
		overdue, err := st.OverdueInvoices(ctx, day("2026-12-01"))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range overdue {
			if id == march.ID {
				t.Fatal("a fully credited invoice is overdue")
			}
		}
		checkBalanced(t, st)
	})
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func fieldOf(err error) string {
	if f := mercato.Fields(err); len(f) > 0 {
		return f[0].Path
	}
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
