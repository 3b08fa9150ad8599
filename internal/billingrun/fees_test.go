package billingrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// platformFee is the platform's share of the charge an invoice's line of
// subscription sub starts.
func platformFee(t *testing.T, inv billing.Invoice, sub int64) string {
	t.Helper()
	for _, l := range inv.Lines {
		if l.SubscriptionID != sub || len(l.Shares) == 0 {
			continue
		}
		for _, s := range l.Shares {
			if s.Role == "platform" {
				return s.Amount.StringFixed(2)
			}
		}
	}
	t.Fatalf("invoice %s: no platform share for subscription %d in %+v", inv.Number, sub, inv.Lines)
	return ""
}

// TestFeeRules: the operator's fee by product type and by vendor. An
// Azure plan (the type's 5%) and another vendor's SaaS plan (the vendor's
// 15%) are billed in the same run, each at its own fee; editing the Azure
// rule changes what is sold from then on (orders, renewals), never a
// charge already written nor the periods of a term sold before (the fee
// is in the price version). Bad rules answer 422 naming the field and write nothing; only
// the platform's operator reads or sets them.
func TestFeeRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		fees, op := channel.New(st, store.TxFunc[channel.Tx](st)), w.Platform.Principal
		set := func(vendor int64, typ catalog.ProductType, percent string) {
			t.Helper()
			if _, err := fees.SetFeeRule(ctx, op, catalog.FeeRule{VendorID: vendor, ProductType: typ, Percent: decimal.RequireFromString(percent)}); err != nil {
				t.Fatalf("fee rule %d %q %s: %v", vendor, typ, percent, err)
			}
		}
		set(0, catalog.TypeAzurePlan, "5")
		set(w.VendorB.Org.ID, "", "15")

		storetest.Unchanged(t, st, func() {
			for _, c := range []struct {
				rule  catalog.FeeRule
				field string
			}{
				{catalog.FeeRule{Percent: decimal.RequireFromString("100.5")}, "percent"},
				{catalog.FeeRule{Percent: decimal.RequireFromString("-1")}, "percent"},
				{catalog.FeeRule{Percent: decimal.RequireFromString("1.23456")}, "percent"},
				{catalog.FeeRule{ProductType: "cloud", Percent: decimal.NewFromInt(5)}, "product_type"},
				{catalog.FeeRule{VendorID: w.C1.Org.ID, Percent: decimal.NewFromInt(5)}, "vendor_id"},
				{catalog.FeeRule{VendorID: 999999, Percent: decimal.NewFromInt(5)}, "vendor_id"},
			} {
				if _, err := fees.SetFeeRule(ctx, op, c.rule); fieldOf(err) != c.field {
					t.Errorf("%+v: %v, want 422 naming %s", c.rule, err, c.field)
				}
			}
			if err := fees.DeleteFeeRule(ctx, op, 0, ""); fieldOf(err) != "vendor_id" {
				t.Errorf("deleting the default: %v", err)
			}
			if err := fees.DeleteFeeRule(ctx, op, w.VendorA.Org.ID, catalog.TypeService); mercato.ErrorCode(err) != mercato.ENOTFOUND {
				t.Errorf("deleting a rule that is not there: %v", err)
			}
			for _, p := range []mercato.Principal{w.VendorA.Principal, w.C1.Principal, w.R1.Principal, w.D1.Principal} {
				if _, err := fees.SetFeeRule(ctx, p, catalog.FeeRule{VendorID: p.OrgID, Percent: decimal.Zero}); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
					t.Errorf("org %d sets a fee: %v", p.OrgID, err)
				}
				if _, err := fees.FeeRules(ctx, p); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
					t.Errorf("org %d reads the fee rules: %v", p.OrgID, err)
				}
				if err := fees.DeleteFeeRule(ctx, p, w.VendorB.Org.ID, ""); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
					t.Errorf("org %d deletes a fee rule: %v", p.OrgID, err)
				}
			}
		})

		azure, err := storetest.Listing(st).CreateProduct(ctx, w.VendorA.Principal, catalog.Product{Name: "Azure plan", Type: catalog.TypeAzurePlan, Published: true})
		if err != nil {
			t.Fatal(err)
		}
		azurePlan := storetest.Plan(t, st, w.VendorA.Principal, azure.ID, "Azure", `{"currency":"EUR","period":"P1M","model":"flat","amount":"100.00"}`)
		subAzure := buy(t, st, w.C1.Principal, w.C1.Org.ID, azurePlan.ID, 1)
		subSaaS := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanB.ID, 1)
		subA := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 1) // SaaS of vendor A: the default
		yearly := storetest.Plan(t, st, w.VendorB.Principal, w.ProductB.ID, "Yearly", `{"currency":"EUR","period":"P1M","term":"P1Y","model":"flat","amount":"10.00"}`)
		subYear := buy(t, st, w.C1.Principal, w.C1.Org.ID, yearly.ID, 1)
		deploy(t, st, w, subAzure, subSaaS, subA, subYear)
		run(t, st, w, "2026-03")
		march := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(march) != 1 {
			t.Fatalf("%d invoices", len(march))
		}
		for sub, want := range map[int64]string{subAzure: "5.00", subSaaS: "0.75", subA: "2.00", subYear: "1.50"} {
			if got := platformFee(t, march[0], sub); got != want {
				t.Errorf("March: subscription %d fee %s, want %s", sub, got, want)
			}
		}

		// The Azure rule changes; vendor A's Azure plan gets a rule of its
		// own, more specific than its vendor-wide one.
		set(0, catalog.TypeAzurePlan, "8")
		set(w.VendorA.Org.ID, "", "30")
		set(w.VendorB.Org.ID, "", "40")
		clk.set("2026-03-10T00:00:00Z")
		subAzure2 := buy(t, st, w.C2.Principal, w.C2.Org.ID, azurePlan.ID, 1)
		set(w.VendorA.Org.ID, catalog.TypeAzurePlan, "3")
		subAzure3 := buy(t, st, w.C2.Principal, w.C2.Org.ID, azurePlan.ID, 1)
		deploy(t, st, w, subAzure2, subAzure3)
		clk.set("2026-04-01T00:00:00Z")
		run(t, st, w, "2026-04")
		after := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if len(after) != 2 {
			t.Fatalf("%d invoices", len(after))
		}
		if got := platformFee(t, after[0], subAzure); got != "5.00" {
			t.Errorf("March's invoice changed: Azure fee %s", got)
		}
		// Its monthly term renewed in April: a new sale, at the rules of
		// its day (vendor A's for Azure plans).
		if got := platformFee(t, after[1], subAzure); got != "3.00" {
			t.Errorf("April's renewal: Azure fee %s, want 3.00", got)
		}
		// A period of a term sold before is charged at the version it was
		// sold at, its fee included.
		if got := platformFee(t, after[1], subYear); got != "1.50" {
			t.Errorf("April's period of the yearly term: fee %s, want the 1.50 it was sold at", got)
		}
		c2 := invoices(t, st, w.C2.Principal, w.C2.Org.ID)
		fee2, fee3 := "", ""
		for _, inv := range c2 {
			for _, l := range inv.Lines {
				switch {
				case l.SubscriptionID == subAzure2 && fee2 == "":
					fee2 = platformFee(t, inv, subAzure2)
				case l.SubscriptionID == subAzure3 && fee3 == "":
					fee3 = platformFee(t, inv, subAzure3)
				}
			}
		}
		// Vendor A's own 30% is more specific than the type's 8%; its rule
		// for Azure plans (3%) more than both.
		if fee2 != "30.00" || fee3 != "3.00" {
			t.Errorf("new Azure sales: fees %s and %s, want 30.00 (the vendor's) and 3.00 (the vendor's for the type)", fee2, fee3)
		}

		rules, err := fees.FeeRules(ctx, op)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rules {
			got = append(got, r.VendorName+"/"+string(r.ProductType)+"="+r.Percent.String())
		}
		want := []string{"/=20", "/azure_plan=8", w.VendorA.Org.Name + "/=30", w.VendorB.Org.Name + "/=40", w.VendorA.Org.Name + "/azure_plan=3"}
		if len(got) != len(want) {
			t.Fatalf("rules %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("rules %v, want %v", got, want)
			}
		}
		if err := fees.DeleteFeeRule(ctx, op, w.VendorA.Org.ID, ""); err != nil {
			t.Fatal(err)
		}
		if cp, err := st.ChannelPrices(ctx, w.PlanA.ID, w.VendorA.Org.ID, 0, w.C1.Org.ID); err != nil || cp.FeePercent.String() != "20" {
			t.Fatalf("vendor A's SaaS after its own rule went: %v %v, want the default 20", cp.FeePercent, err)
		}
	})
}

// TestDunningSettings: the operator's dunning settings read serve's
// configuration until saved; bad ones answer 422 naming the field and
// write nothing; only the platform's operator sets them; once saved,
// billing runs suspend by them rather than by the configured policy.
func TestDunningSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		svc := billingrun.New(st, store.TxFunc[billingrun.Tx](st), billingrun.WithRetries(billing.PaymentRetries{1, 2}))
		op := w.Platform.Principal
		d, err := svc.DunningSettings(ctx, op)
		if err != nil || fmt.Sprint(d.RetryDays) != "[1 2]" || d.SuspendDays != 21 {
			t.Fatalf("unsaved settings %+v (%v), want the configuration's", d, err)
		}
		storetest.Unchanged(t, st, func() {
			eleven := billing.PaymentRetries{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
			for _, c := range []struct {
				d     billing.DunningSettings
				field string
			}{
				{billing.DunningSettings{RetryDays: billing.PaymentRetries{3, 1}, SuspendDays: 21}, "payment_retry_days"},
				{billing.DunningSettings{RetryDays: billing.PaymentRetries{0, 3}, SuspendDays: 21}, "payment_retry_days"},
				{billing.DunningSettings{RetryDays: billing.PaymentRetries{1, 61}, SuspendDays: 21}, "payment_retry_days"},
				{billing.DunningSettings{RetryDays: eleven, SuspendDays: 21}, "payment_retry_days"},
				{billing.DunningSettings{RetryDays: billing.PaymentRetries{1}, SuspendDays: -1}, "suspend_days"},
				{billing.DunningSettings{RetryDays: billing.PaymentRetries{1}, SuspendDays: 366}, "suspend_days"},
			} {
				if _, err := svc.SaveDunningSettings(ctx, op, c.d); fieldOf(err) != c.field {
					t.Errorf("%+v: %v, want 422 naming %s", c.d, err, c.field)
				}
			}
			for _, p := range []mercato.Principal{w.VendorA.Principal, w.C1.Principal, w.R1.Principal} {
				if _, err := svc.SaveDunningSettings(ctx, p, billing.DunningSettings{RetryDays: billing.PaymentRetries{1}}); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
					t.Errorf("org %d saves dunning settings: %v", p.OrgID, err)
				}
				if _, err := svc.DunningSettings(ctx, p); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
					t.Errorf("org %d reads dunning settings: %v", p.OrgID, err)
				}
			}
		})

		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 1)
		deploy(t, st, w, sub)
		run(t, st, w, "2026-03") // due 14 days later, on 2026-03-15
		clk.set("2026-03-21T00:00:00Z")
		run(t, st, w, "2026-03")
		if s, err := st.Subscription(ctx, op, sub); err != nil || s.Status != "DEPLOYED" {
			t.Fatalf("6 days late under the configured policy: %s (%v), want DEPLOYED", s.Status, err)
		}
		if _, err := svc.SaveDunningSettings(ctx, op, billing.DunningSettings{RetryDays: billing.PaymentRetries{2, 4}, SuspendDays: 5}); err != nil {
			t.Fatal(err)
		}
		if d, err := svc.DunningSettings(ctx, op); err != nil || fmt.Sprint(d.RetryDays) != "[2 4]" || d.SuspendDays != 5 || d.UpdatedAt.IsZero() {
			t.Fatalf("saved settings %+v (%v)", d, err)
		}
		run(t, st, w, "2026-03")
		if s, err := st.Subscription(ctx, op, sub); err != nil || s.Status != "STOPPED" {
			t.Fatalf("6 days late with the operator's 5: %s (%v), want STOPPED", s.Status, err)
		}
	})
}
