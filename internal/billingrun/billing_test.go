package billingrun_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

// service is the billing service over st.
func service(st *store.Store) *billingrun.Service {
	return billingrun.New(st, store.TxFunc[billingrun.Tx](st))
}

// The store's transaction is the service's.
var _ billingrun.Tx = (*store.Tx)(nil)

// clock is a settable store clock.
type clock struct{ t time.Time }

func (c *clock) set(s string) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	c.t = t
}

func billingWorld(t *testing.T, st *store.Store) (*storetest.World, *clock) {
	t.Helper()
	c := &clock{}
	c.set("2026-03-01T00:00:00Z")
	st.Now = func() time.Time { return c.t }
	return storetest.NewWorld(t, st), c
}

func buy(t *testing.T, st *store.Store, p mercato.Principal, customer, plan, qty int64) int64 {
	t.Helper()
	o, err := app.Ordering(st).PlaceOrder(context.Background(), p, subscription.OrderRequest{CustomerID: customer, PlanID: plan, Quantity: qty})
	if err != nil {
		t.Fatalf("order plan %d: %v", plan, err)
	}
	return o.SubscriptionID
}

func run(t *testing.T, st *store.Store, w *storetest.World, month string) billing.Run {
	t.Helper()
	m, err := billing.ParseMonth(month)
	if err != nil {
		t.Fatal(err)
	}
	r, err := service(st).RunBilling(context.Background(), w.Platform.Principal, billingrun.Options{Period: m})
	if err != nil {
		t.Fatalf("run %s: %v", month, err)
	}
	return r
}

func invoices(t *testing.T, st *store.Store, p mercato.Principal, customer int64) []billing.Invoice {
	t.Helper()
	list, _, err := st.ListInvoices(context.Background(), p, store.InvoiceFilter{CustomerID: customer}, store.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var out []billing.Invoice
	for _, i := range list {
		full, err := st.Invoice(context.Background(), p, i.ID)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, full)
	}
	return out
}

func amounts(inv billing.Invoice) []string {
	var out []string
	for _, l := range inv.Lines {
		out = append(out, l.Kind+":"+l.Amount.StringFixed(2))
	}
	return out
}

func checkBalanced(t *testing.T, st *store.Store) {
	t.Helper()
	d, c, err := st.LedgerTotals(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !d.Equal(c) || d.IsZero() {
		t.Fatalf("ledger: debits %s, credits %s", d, c)
	}
}

// TestBillingEveryModel bills one month of a plan of every pricing model
// for one customer in Germany (19% VAT, rounded per line) and checks the
// invoice by hand; a second run bills nothing.
func TestBillingEveryModel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, _ := billingWorld(t, st)
		if _, err := st.DB().Exec(`UPDATE organizations SET country = 'DE' WHERE id = $1`, w.C1.Org.ID); err != nil {
			t.Fatal(err)
		}
		v := w.VendorA.Principal
		volume := storetest.Plan(t, st, v, w.ProductA.ID, "Volume", `{"currency":"EUR","model":"volume","unit":"seat","tiers":[{"up_to":9,"unit_amount":"5"},{"up_to":null,"unit_amount":"3"}]}`)
		flat := storetest.Plan(t, st, v, w.ProductA.ID, "Flat", `{"currency":"EUR","model":"flat","amount":"25.00","setup_fee":"50.00"}`)
		pkg := storetest.Plan(t, st, v, w.ProductA.ID, "Package", `{"currency":"EUR","model":"package","package_size":10,"amount":"20.00"}`)
		c := w.C1.Principal
		for _, o := range []struct{ plan, qty int64 }{{w.PlanA.ID, 3}, {w.PlanTiered.ID, 15}, {volume.ID, 15}, {flat.ID, 1}, {pkg.ID, 25}} {
			deploy(t, st, w, buy(t, st, c, w.C1.Org.ID, o.plan, o.qty))
		}
		r := run(t, st, w, "2026-03")
		if r.Invoices != 1 || r.Lines != 7 {
			t.Fatalf("run: %+v", r)
		}
		invs := invoices(t, st, c, w.C1.Org.ID)
		if len(invs) != 1 {
			t.Fatalf("%d invoices", len(invs))
		}
		inv := invs[0]
		want := "[recurring:30.00 recurring:45.00 recurring:18.00 recurring:45.00 recurring:25.00 setup:50.00 recurring:60.00]"
		if got := fmt.Sprint(amounts(inv)); got != want {
			t.Fatalf("lines %s, want %s", got, want)
		}
		// 19% per line: 5.70 8.55 3.42 8.55 4.75 9.50 11.40 = 51.87.
		if inv.Subtotal.StringFixed(2) != "273.00" || inv.Tax.StringFixed(2) != "51.87" || inv.Total.StringFixed(2) != "324.87" {
			t.Fatalf("totals %s + %s = %s", inv.Subtotal, inv.Tax, inv.Total)
		}
		if inv.Number != "INV-2026-000001" || inv.Status != billing.StatusIssued || inv.TaxRate.String() != "19" || inv.DueAt == nil {
			t.Fatalf("invoice %+v", inv)
		}
		checkBalanced(t, st)
		before := storetest.Counts(t, st)
		if again := run(t, st, w, "2026-03"); again.Invoices != 0 || again.Lines != 0 {
			t.Fatalf("rerun billed again: %+v", again)
		}
		after := storetest.Counts(t, st)
		for _, tbl := range []string{"invoices", "invoice_lines", "ledger_entries", "events"} {
			if before[tbl] != after[tbl] {
				t.Fatalf("rerun wrote %s: %d -> %d", tbl, before[tbl], after[tbl])
			}
		}
		// The customer's reseller sees it; another channel and the vendor do not.
		if _, err := st.Invoice(ctx, w.R1.Principal, inv.ID); err != nil {
			t.Fatal(err)
		}
		for _, p := range []mercato.Principal{w.C2.Principal, w.R2.Principal, w.VendorA.Principal, w.C1b.Principal} {
			if _, err := st.Invoice(ctx, p, inv.ID); mercato.ErrorCode(err) != mercato.ENOTFOUND {
				t.Fatalf("org %d reads the invoice: %v", p.OrgID, err)
			}
		}
	})
}

// TestBillingChannelShares bills through distributor (+10%) and reseller
// (+20%) markups and checks every party's share and statement to the cent.
func TestBillingChannelShares(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, _ := billingWorld(t, st)
		for _, e := range []pricing.PriceListEntry{
			{OrganizationID: w.D1.Org.ID, PlanID: w.PlanA.ID, Markup: pricing.Markup{Kind: pricing.MarkupPercentage, Value: decimal.NewFromInt(10)}},
			{OrganizationID: w.R1.Org.ID, PlanID: w.PlanA.ID, Markup: pricing.Markup{Kind: pricing.MarkupPercentage, Value: decimal.NewFromInt(20)}},
		} {
			if _, err := storetest.Channel(st).SetPrice(ctx, w.Platform.Principal, e); err != nil {
				t.Fatal(err)
			}
		}
		deploy(t, st, w, buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 3))
		run(t, st, w, "2026-03")
		inv := invoices(t, st, w.C1.Principal, w.C1.Org.ID)[0]
		if inv.Total.StringFixed(2) != "39.60" {
			t.Fatalf("total %s, want 30.00 × 1.1 × 1.2 = 39.60", inv.Total)
		}
		want := map[string]string{"vendor": "24.00", "platform": "6.00", "distributor": "3.00", "reseller": "6.60"}
		for _, s := range inv.Lines[0].Shares {
			if s.Amount.StringFixed(2) != want[s.Role] {
				t.Fatalf("%s share %s, want %s", s.Role, s.Amount, want[s.Role])
			}
		}
		for who, p := range map[string]mercato.Principal{"vendor": w.VendorA.Principal, "distributor": w.D1.Principal, "reseller": w.R1.Principal, "platform": w.Platform.Principal} {
			sts, err := storetest.Channel(st).Earnings(ctx, p, channel.EarningsRequest{Period: "2026-03"})
			if err != nil || len(sts) != 1 || sts[0].Total.StringFixed(2) != want[who] {
				t.Fatalf("%s earnings %+v %v, want %s", who, sts, err, want[who])
			}
		}
		if _, err := storetest.Channel(st).Earnings(ctx, w.R2.Principal, channel.EarningsRequest{OrganizationID: w.R1.Org.ID, Period: "2026-03"}); mercato.ErrorCode(err) != mercato.ENOTFOUND {
			t.Fatalf("another reseller reads R1's earnings: %v", err)
		}
		checkBalanced(t, st)

		// A self-billing reseller issues its customers' invoices itself,
		// with its own numbering.
		if err := service(st).SetSelfBilling(ctx, w.Platform.Principal, w.R2.Org.ID, true); err != nil {
			t.Fatal(err)
		}
		deploy(t, st, w, buy(t, st, w.C2.Principal, w.C2.Org.ID, w.PlanB.ID, 1))
		run(t, st, w, "2026-03")
		inv2 := invoices(t, st, w.C2.Principal, w.C2.Org.ID)[0]
		if inv2.Issuer.ID != w.R2.Org.ID || inv2.Number != "INV-2026-000001" {
			t.Fatalf("self-billed invoice: issuer %d number %s", inv2.Issuer.ID, inv2.Number)
		}
	})
}

// TestBillingProration: an upgrade mid-period is charged by the hours
// left at the customer's price, a downgrade costs nothing now and takes
// effect next period, and a change during a free trial costs nothing.
func TestBillingProration(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 2)
		deploy(t, st, w, sub)
		run(t, st, w, "2026-03") // 20.00
		clk.set("2026-03-16T00:00:00Z")
		four, one := int64(4), int64(1)
		if _, err := app.Ordering(st).Change(ctx, w.C1.Principal, sub, subscription.Change{Quantity: &four}); err != nil {
			t.Fatal(err)
		}
		r := run(t, st, w, "2026-03")
		if r.Invoices != 1 {
			t.Fatalf("upgrade run %+v", r)
		}
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		// 20.00 more for 384 of 744 hours (Mar 16 – Apr 1): 10.322… → 10.32.
		if got := fmt.Sprint(amounts(invs[1])); got != "[change:10.32]" {
			t.Fatalf("upgrade %s", got)
		}
		clk.set("2026-03-20T00:00:00Z")
		if _, err := app.Ordering(st).Change(ctx, w.C1.Principal, sub, subscription.Change{Quantity: &one}); err != nil {
			t.Fatal(err)
		}
		if r := run(t, st, w, "2026-03"); r.Invoices != 0 {
			t.Fatalf("a downgrade was charged: %+v", r)
		}
		clk.set("2026-04-01T00:00:00Z")
		run(t, st, w, "2026-04")
		invs = invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if got := fmt.Sprint(amounts(invs[2])); got != "[recurring:10.00]" {
			t.Fatalf("after downgrade %s", got)
		}

		// Mid-trial: a 14-day trial, seats added on day 5, then paid.
		clk.set("2026-03-01T00:00:00Z")
		trial := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Trial", `{"currency":"EUR","model":"per_unit","unit":"seat","unit_amount":"10.00","trial_days":14}`)
		ts := buy(t, st, w.C1.Principal, w.C1.Org.ID, trial.ID, 1)
		deploy(t, st, w, ts)
		clk.set("2026-03-05T00:00:00Z")
		if _, err := app.Ordering(st).Change(ctx, w.C1.Principal, ts, subscription.Change{Quantity: &four}); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Lifecycle(st).Pay(ctx, w.Platform.Principal, ts); err != nil {
			t.Fatal(err)
		}
		run(t, st, w, "2026-03")
		invs = invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		last := invs[len(invs)-1]
		if got := fmt.Sprint(amounts(last)); got != "[recurring:40.00]" || !last.Lines[0].PeriodStart.Equal(time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("after trial: %s from %s", got, last.Lines[0].PeriodStart)
		}
	})
}

// TestBillingUsageTiers bills usage in arrears: a graduated metric over a
// month's summed records, with a free first tier.
func TestBillingUsageTiers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		plan := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Metered", `{"currency":"EUR","model":"flat","amount":"10.00","metrics":[
			{"name":"api_calls","unit":"call","model":"graduated","tiers":[{"up_to":1000,"unit_amount":"0"},{"up_to":10000,"unit_amount":"0.001"},{"up_to":null,"unit_amount":"0.0005"}]},
			{"name":"users","unit":"user","aggregation":"max","model":"per_unit","unit_amount":"2.00"}]}`)
		sub := buy(t, st, w.C1.Principal, w.C1.Org.ID, plan.ID, 1)
		if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub, subscription.Deployed); err != nil {
			t.Fatal(err)
		}
		run(t, st, w, "2026-03")
		clk.set("2026-04-01T00:00:00Z")
		for i, u := range []struct {
			metric, qty string
			day         int
		}{{"api_calls", "7000", 3}, {"api_calls", "5000", 20}, {"users", "4", 5}, {"users", "7", 12}, {"users", "5", 28}} {
			at := time.Date(2026, 3, u.day, 12, 0, 0, 0, time.UTC)
			if _, _, err := usage.New(st, store.TxFunc[usage.Tx](st)).RecordUsage(ctx, w.VendorA.Principal, sub, usage.Report{Metric: u.metric, Quantity: decimal.RequireFromString(u.qty), OccurredAt: &at, IdempotencyKey: fmt.Sprint(i)}); err != nil {
				t.Fatal(err)
			}
		}
		run(t, st, w, "2026-04")
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		// April in advance 10.00; March's 12,000 calls: 1,000 free, 9,000 × 0.001, 2,000 × 0.0005; peak 7 users × 2.00.
		if got := fmt.Sprint(amounts(invs[1])); got != "[recurring:10.00 usage:0.00 usage:9.00 usage:1.00 usage:14.00]" {
			t.Fatalf("usage invoice %s", got)
		}
		if invs[1].Total.StringFixed(2) != "34.00" {
			t.Fatalf("total %s", invs[1].Total)
		}
		checkBalanced(t, st)
	})
}

// TestBillingCrashResumes stops a run after its first transaction, then
// runs again: every customer is billed once, numbers have no gap.
func TestBillingCrashResumes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, _ := billingWorld(t, st)
		var customers []int64
		for i := range 6 {
			o, err := storetest.Accounts(st).CreateOrganization(ctx, w.Platform.Principal, mercato.Organization{Kind: mercato.KindCustomer, Name: fmt.Sprintf("crash%d", i), OnAccount: true, Currency: "EUR"})
			if err != nil {
				t.Fatal(err)
			}
			customers = append(customers, o.ID)
			deploy(t, st, w, buy(t, st, w.Platform.Principal, o.ID, w.PlanA.ID, int64(i+1)))
		}
		crash := errors.New("power cut")
		m, _ := billing.ParseMonth("2026-03")
		_, err := service(st).RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: m, Customers: 2, AfterChunk: func(n int) error {
			if n >= 2 {
				return crash
			}
			return nil
		}})
		if !errors.Is(err, crash) {
			t.Fatalf("run: %v", err)
		}
		if n := storetest.Counts(t, st)["invoices"]; n != 2 {
			t.Fatalf("%d invoices after the crash, want 2", n)
		}
		r, err := service(st).RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: m, Customers: 2})
		if err != nil || r.Invoices != 4 {
			t.Fatalf("resume: %+v %v", r, err)
		}
		seen := map[string]bool{}
		for i, c := range customers {
			invs := invoices(t, st, w.Platform.Principal, c)
			if len(invs) != 1 || invs[0].Total.StringFixed(2) != fmt.Sprintf("%d.00", 10*(i+1)) {
				t.Fatalf("customer %d: %d invoices", c, len(invs))
			}
			seen[invs[0].Number] = true
		}
		for i := 1; i <= 6; i++ {
			if !seen[fmt.Sprintf("INV-2026-%06d", i)] {
				t.Fatalf("gap at %d: %v", i, seen)
			}
		}
		checkBalanced(t, st)
	})
}

// TestBillingDunning: an order not on account waits for its first
// invoice; paid, it is cleared. A later invoice left unpaid gets
// reminders, then suspends the subscription; paying resumes it. An order
// never paid expires.
func TestBillingDunning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		c := w.C1b
		sub := buy(t, st, c.Principal, c.Org.ID, w.PlanA.ID, 1)
		never := buy(t, st, c.Principal, c.Org.ID, w.PlanB.ID, 1)
		run(t, st, w, "2026-03")
		invs := invoices(t, st, c.Principal, c.Org.ID)
		if len(invs) != 1 {
			t.Fatalf("%d invoices", len(invs))
		}
		// One invoice bills both orders; pay it only after splitting is
		// not possible, so credit it and bill the kept order alone.
		first := invs[0]
		if _, err := service(st).PayInvoice(ctx, c.Principal, first.ID, billingrun.PaymentRequest{}); mercato.ErrorCode(err) != mercato.EFORBIDDEN {
			t.Fatalf("a customer marked its own invoice paid: %v", err)
		}
		if _, err := service(st).PayInvoice(ctx, w.Platform.Principal, first.ID, billingrun.PaymentRequest{}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{sub, never} {
			s, _ := st.Subscription(ctx, c.Principal, id)
			if s.Status != subscription.Pending || !s.Paid {
				t.Fatalf("after payment %d: %s paid=%t", id, s.Status, s.Paid)
			}
		}
		if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub, subscription.Deployed); err != nil {
			t.Fatal(err)
		}
		if _, err := app.Lifecycle(st).Act(ctx, w.Platform.Principal, never, subscription.ActionTerminate); err != nil {
			t.Fatal(err)
		}
		clk.set("2026-04-01T00:00:00Z")
		run(t, st, w, "2026-04")
		april := invoices(t, st, c.Principal, c.Org.ID)[1]
		policy := billing.DefaultDunning()
		step := func(day string) billingrun.DunningResult {
			clk.set(day)
			res, err := service(st).RunDunning(ctx, w.Platform.Principal, clk.t, policy)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if r := step("2026-04-16T00:00:00Z"); r != (billingrun.DunningResult{}) {
			t.Fatalf("a day late: %+v", r)
		}
		if r := step("2026-04-19T00:00:00Z"); r.Reminded != 1 {
			t.Fatalf("4 days late: %+v", r)
		}
		if r := step("2026-04-26T00:00:00Z"); r.Reminded != 1 || r.Suspended != 0 {
			t.Fatalf("11 days late: %+v", r)
		}
		if r := step("2026-05-07T00:00:00Z"); r.Suspended != 1 {
			t.Fatalf("22 days late: %+v", r)
		}
		if s, _ := st.Subscription(ctx, c.Principal, sub); s.Status != subscription.Stopped {
			t.Fatalf("not suspended: %s", s.Status)
		}
		if notes, _ := st.ListNotifications(ctx, c.Principal); len(notes) != 2 {
			t.Fatalf("%d reminders", len(notes))
		}
		if _, err := service(st).PayInvoice(ctx, w.Platform.Principal, april.ID, billingrun.PaymentRequest{Reference: "bank 42"}); err != nil {
			t.Fatal(err)
		}
		if s, _ := st.Subscription(ctx, c.Principal, sub); s.Status != subscription.Deployed {
			t.Fatalf("not resumed: %s", s.Status)
		}
		evs, _, _ := st.ListEvents(ctx, w.Platform.Principal, store.EventFilter{Entity: "Invoice", EntityID: april.ID}, store.Page{})
		if len(evs) < 5 { // created, issued, 2 reminders, paid
			t.Fatalf("%d invoice events", len(evs))
		}

		// An order never paid expires and its invoice is void.
		clk.set("2026-05-01T00:00:00Z")
		unpaid := buy(t, st, c.Principal, c.Org.ID, w.PlanB.ID, 1)
		run(t, st, w, "2026-05")
		step("2026-06-20T00:00:00Z")
		if s, _ := st.Subscription(ctx, c.Principal, unpaid); s.Status != subscription.PaymentExpired {
			t.Fatalf("never paid: %s", s.Status)
		}
	})
}

// TestBillingRenewalAndCredit: at the end of a term an auto-renewing
// subscription renews (RENEWAL order, MODIFIED), another ends
// (UNDEPLOY_SENT); a credit note reverses an invoice.
func TestBillingRenewalAndCredit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		renews := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 1)
		ends := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 2)
		no := false
		if _, err := app.Ordering(st).Change(ctx, w.C1.Principal, ends, subscription.Change{AutoRenew: &no}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{renews, ends} {
			if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, id, subscription.Deployed); err != nil {
				t.Fatal(err)
			}
		}
		clk.set("2026-03-05T00:00:00Z") // within 30 days of the end
		offer, err := service(st).RenewalOffer(ctx, w.C1.Principal, ends)
		if err != nil || offer.Price.StringFixed(2) != "20.00" || offer.Action != billing.RenewalEnd || !offer.Due || !offer.Date.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("offer %+v %v", offer, err)
		}
		run(t, st, w, "2026-03")
		clk.set("2026-04-01T00:00:00Z")
		r := run(t, st, w, "2026-04")
		if r.Renewed != 1 || r.Ended != 1 {
			t.Fatalf("renewals %+v", r)
		}
		s1, _ := st.Subscription(ctx, w.C1.Principal, renews)
		s2, _ := st.Subscription(ctx, w.C1.Principal, ends)
		if !s1.EndDate.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) || s2.Status != subscription.UndeploySent {
			t.Fatalf("renewed to %s; ended %s", s1.EndDate, s2.Status)
		}
		orders, _, _ := st.ListOrders(ctx, w.C1.Principal, store.OrderFilter{SubscriptionID: renews}, store.Page{})
		if orders[len(orders)-1].Type != subscription.OrderRenewal {
			t.Fatalf("no renewal order: %+v", orders)
		}
		invs := invoices(t, st, w.C1.Principal, w.C1.Org.ID)
		if got := fmt.Sprint(amounts(invs[1])); got != "[recurring:10.00]" {
			t.Fatalf("April bills only the renewed subscription: %s", got)
		}
		cn, err := service(st).CreditInvoice(ctx, w.Platform.Principal, invs[0].ID, billing.CreditRequest{Reason: "wrong seats"})
		if err != nil {
			t.Fatal(err)
		}
		if cn.Number != "CN-2026-000001" || cn.Total.StringFixed(2) != "-30.00" {
			t.Fatalf("credit note %s %s", cn.Number, cn.Total)
		}
		// An issued invoice is never voided: credited in full, it stays
		// issued and is no longer due.
		if again, _ := st.Invoice(ctx, w.C1.Principal, invs[0].ID); again.Status != billing.StatusIssued || !again.FullyCredited {
			t.Fatalf("credited invoice is %s (fully credited %t)", again.Status, again.FullyCredited)
		}
		if _, err := service(st).CreditInvoice(ctx, w.Platform.Principal, invs[0].ID, billing.CreditRequest{}); mercato.ErrorCode(err) != mercato.ECONFLICT {
			t.Fatalf("credited twice: %v", err)
		}
		sts, _ := storetest.Channel(st).Earnings(ctx, w.VendorA.Principal, channel.EarningsRequest{Period: "2026-03"})
		if len(sts) != 1 || !sts[0].Total.IsZero() {
			t.Fatalf("vendor's March after the credit: %+v", sts)
		}
		checkBalanced(t, st)
	})
}
