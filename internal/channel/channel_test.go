package channel_test

import (
	"context"
	"fmt"
	"testing"

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
)

var ctx = context.Background()

// TestChannel runs the channel's cases on every engine, each in a fresh
// database and world.
func TestChannel(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "price lists: who changes which, and valid markups only", Run: testPriceRefusals},
		{Name: "price lists: set, replace, read and delete", Run: testPrices},
		{Name: "earnings: a month, one's own (the platform's anyone's)", Run: testEarnings},
		{Name: "earnings by month: each month's statement total, per currency", Run: testEarningsTrend},
	})
}

func fixed(v string) pricing.Markup {
	return pricing.Markup{Kind: pricing.MarkupFixed, Value: decimal.RequireFromString(v)}
}

func value(v string) pricing.Markup {
	return pricing.Markup{Kind: pricing.MarkupValue, Value: decimal.RequireFromString(v)}
}

func percent(v string) pricing.Markup {
	return pricing.Markup{Kind: pricing.MarkupPercentage, Value: decimal.RequireFromString(v)}
}

// testPriceRefusals checks every refused price-list change: its code, the
// field it names when invalid, and that it wrote nothing.
func testPriceRefusals(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Channel(st)
	r1, plan := w.R1.Org.ID, w.PlanA.ID
	set := func(p mercato.Principal, org, plan int64, m pricing.Markup) func() error {
		return func() error {
			_, err := svc.SetPrice(ctx, p, pricing.PriceListEntry{OrganizationID: org, PlanID: plan, Markup: m})
			return err
		}
	}
	del := func(p mercato.Principal, org, plan int64) func() error {
		return func() error { return svc.DeletePrice(ctx, p, org, plan) }
	}
	if _, err := svc.SetPrice(ctx, w.R1.Principal, pricing.PriceListEntry{OrganizationID: r1, PlanID: plan, Markup: percent("20")}); err != nil {
		t.Fatal(err)
	}
	// R1 buys PlanA (10.00 a seat) at D1's 11.00.
	if _, err := svc.SetPrice(ctx, w.D1.Principal, pricing.PriceListEntry{OrganizationID: w.D1.Org.ID, PlanID: plan, Markup: percent("10")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, want, field string
		call              func() error
	}{
		{"a distributor sets its reseller's", mercato.EFORBIDDEN, "", set(w.D1.Principal, r1, plan, percent("5"))},
		{"a reseller sets its distributor's, unseen", mercato.ENOTFOUND, "", set(w.R1.Principal, w.D1.Org.ID, plan, percent("5"))},
		{"a reseller of another channel, unseen", mercato.ENOTFOUND, "", set(w.R2.Principal, r1, plan, percent("5"))},
		{"a customer sets its own", mercato.EINVALID, "", set(w.C1.Principal, w.C1.Org.ID, plan, percent("5"))},
		{"the platform sets a vendor's", mercato.EINVALID, "", set(w.Platform.Principal, w.VendorA.Org.ID, plan, percent("5"))},
		{"a markup on an unseen draft plan", mercato.ENOTFOUND, "", set(w.R1.Principal, r1, w.DraftPlan.ID, percent("5"))},
		{"no kind", mercato.EINVALID, "kind", set(w.R1.Principal, r1, plan, pricing.Markup{Value: decimal.NewFromInt(5)})},
		{"a discount kind", mercato.EINVALID, "kind", set(w.R1.Principal, r1, plan, pricing.Markup{Kind: "discount", Value: decimal.NewFromInt(5)})},
		{"a negative value", mercato.EINVALID, "value", set(w.R1.Principal, r1, plan, percent("-1"))},
		{"too many decimals", mercato.EINVALID, "value", set(w.R1.Principal, r1, plan, percent("0.0000000001"))},
		{"a distributor's fixed price below the vendor's", mercato.EINVALID, "value", set(w.D2.Principal, w.D2.Org.ID, plan, fixed("9.99"))},
		{"a reseller's fixed price below its distributor's", mercato.EINVALID, "value", set(w.R1.Principal, r1, plan, fixed("10.99"))},
		{"a fixed price on a graduated plan", mercato.EINVALID, "kind", set(w.R1.Principal, r1, w.PlanTiered.ID, fixed("6"))},
		{"a percentage beyond its bound", mercato.EINVALID, "value", set(w.R1.Principal, r1, plan, percent("1000.01"))},
		{"a value pricing beyond the largest amount", mercato.EINVALID, "value", set(w.R1.Principal, r1, plan, value("999999999990"))},
		{"an invalid markup is invalid before anything is read", mercato.EINVALID, "kind", set(w.R2.Principal, r1, plan, pricing.Markup{})},
		{"a distributor deletes its reseller's", mercato.EFORBIDDEN, "", del(w.D1.Principal, r1, plan)},
		{"a reseller of another channel deletes, unseen", mercato.ENOTFOUND, "", del(w.R2.Principal, r1, plan)},
		{"a markup that is not there", mercato.ENOTFOUND, "", del(w.R1.Principal, r1, w.PlanTiered.ID)},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := fmt.Sprint(storetest.Counts(t, st))
			err := c.call()
			if mercato.ErrorCode(err) != c.want {
				t.Fatalf("error %v (%s), want %s", err, mercato.ErrorCode(err), c.want)
			}
			if c.field != "" && (len(mercato.Fields(err)) == 0 || mercato.Fields(err)[0].Path != c.field || mercato.ErrorMessage(err) != "invalid price") {
				t.Fatalf("%q, fields %+v, want invalid price naming %s", mercato.ErrorMessage(err), mercato.Fields(err), c.field)
			}
			if after := fmt.Sprint(storetest.Counts(t, st)); after != before {
				t.Fatalf("rows changed: %s -> %s", before, after)
			}
		})
	}
	entries, err := svc.PriceList(ctx, w.Platform.Principal, r1)
	if err != nil || len(entries) != 1 || !entries[0].Markup.Value.Equal(decimal.NewFromInt(20)) {
		t.Fatalf("R1's price list after the refusals: %+v %v", entries, err)
	}
}

func testPrices(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Channel(st)
	d1, r1 := w.D1.Org.ID, w.R1.Org.ID
	for _, c := range []struct {
		p   mercato.Principal
		org int64
		m   pricing.Markup
	}{
		{w.D1.Principal, d1, percent("10")},
		{w.R1.Principal, r1, percent("15")},
		{w.R1.Principal, r1, value("0.50")},
		{w.R1.Principal, r1, fixed("11.00")}, // at the 11.00 R1 buys at, accepted
		{w.Platform.Principal, r1, pricing.Markup{Kind: pricing.MarkupFixed, Value: decimal.RequireFromString("12.50")}}, // replaces R1's
	} {
		if _, err := svc.SetPrice(ctx, c.p, pricing.PriceListEntry{OrganizationID: c.org, PlanID: w.PlanA.ID, Markup: c.m}); err != nil {
			t.Fatalf("%d sets %d's: %v", c.p.OrgID, c.org, err)
		}
	}
	// Whoever sees R1 reads its list: R1, its distributor, the platform.
	for _, p := range []mercato.Principal{w.R1.Principal, w.D1.Principal, w.Platform.Principal} {
		entries, err := svc.PriceList(ctx, p, r1)
		if err != nil || len(entries) != 1 || entries[0].Markup.Kind != pricing.MarkupFixed || !entries[0].Markup.Value.Equal(decimal.RequireFromString("12.5")) {
			t.Fatalf("R1's list as %d: %+v %v", p.OrgID, entries, err)
		}
	}
	if _, err := svc.PriceList(ctx, w.R2.Principal, r1); mercato.ErrorCode(err) != mercato.ENOTFOUND {
		t.Fatalf("R1's list as R2: %v", err)
	}
	if err := svc.DeletePrice(ctx, w.R1.Principal, r1, w.PlanA.ID); err != nil {
		t.Fatal(err)
	}
	if entries, err := svc.PriceList(ctx, w.R1.Principal, r1); err != nil || len(entries) != 0 {
		t.Fatalf("R1's list after the delete: %+v %v", entries, err)
	}
	var n int
	if err := st.DB().QueryRow(`SELECT COUNT(*) FROM audit_log WHERE action IN ('price.set', 'price.delete') AND entity_id = $1`, w.PlanA.ID).Scan(&n); err != nil || n != 6 {
		t.Fatalf("%d audit entries of price changes (%v), want 6", n, err)
	}
}

func testEarnings(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Channel(st)
	for _, c := range []struct {
		name string
		p    mercato.Principal
		r    channel.EarningsRequest
		want string
	}{
		{"one's own", w.R1.Principal, channel.EarningsRequest{Period: "2026-03"}, ""},
		{"one's own, named", w.R1.Principal, channel.EarningsRequest{OrganizationID: w.R1.Org.ID, Period: "2026-03"}, ""},
		{"the platform's fees", w.Platform.Principal, channel.EarningsRequest{Period: "2026-03"}, ""},
		{"the platform reads a reseller's", w.Platform.Principal, channel.EarningsRequest{OrganizationID: w.R1.Org.ID, Period: "2026-03"}, ""},
		{"a distributor reads its reseller's", w.D1.Principal, channel.EarningsRequest{OrganizationID: w.R1.Org.ID, Period: "2026-03"}, ""},
		{"a distributor reads its reseller's customer's", w.D1.Principal, channel.EarningsRequest{OrganizationID: w.C1.Org.ID, Period: "2026-03"}, mercato.ENOTFOUND},
		{"a distributor reads another channel's reseller's", w.D2.Principal, channel.EarningsRequest{OrganizationID: w.R1.Org.ID, Period: "2026-03"}, mercato.ENOTFOUND},
		{"a reseller reads its distributor's", w.R1.Principal, channel.EarningsRequest{OrganizationID: w.D1.Org.ID, Period: "2026-03"}, mercato.ENOTFOUND},
		{"a reseller of another channel", w.R2.Principal, channel.EarningsRequest{OrganizationID: w.R1.Org.ID, Period: "2026-03"}, mercato.ENOTFOUND},
		{"the platform names nobody", w.Platform.Principal, channel.EarningsRequest{OrganizationID: 1 << 40, Period: "2026-03"}, mercato.ENOTFOUND},
		{"no period", w.R1.Principal, channel.EarningsRequest{}, mercato.EINVALID},
		{"a day, not a month", w.R1.Principal, channel.EarningsRequest{Period: "2026-03-01"}, mercato.EINVALID},
		{"month 13", w.Platform.Principal, channel.EarningsRequest{OrganizationID: w.R1.Org.ID, Period: "2026-13"}, mercato.EINVALID},
	} {
		t.Run(c.name, func(t *testing.T) {
			sts, err := svc.Earnings(ctx, c.p, c.r)
			if mercato.ErrorCode(err) != c.want {
				t.Fatalf("error %v, want %q", err, c.want)
			}
			if c.want == mercato.EINVALID && (len(mercato.Fields(err)) != 1 || mercato.Fields(err)[0].Path != "period") {
				t.Fatalf("fields %+v, want period", mercato.Fields(err))
			}
			if c.want == "" && len(sts) != 0 {
				t.Fatalf("statements %+v of a month without invoices", sts)
			}
		})
	}
}

// testEarningsTrend: a month billed shows in the trend as its statement's
// total, the other months as zero; the rules are Earnings'.
func testEarningsTrend(t *testing.T, st *store.Store, w *storetest.World) {
	svc := storetest.Channel(st)
	sub := storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 2)
	if _, err := app.Lifecycle(st).SetStatus(ctx, w.VendorA.Principal, sub.ID, subscription.Deployed); err != nil {
		t.Fatal(err)
	}
	billed := billing.MonthOf(storetest.Epoch)
	if _, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).RunBilling(ctx, w.Platform.Principal, billingrun.Options{Period: billed}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		name string
		p    mercato.Principal
	}{{"vendor", w.VendorA.Principal}, {"platform", w.Platform.Principal}} {
		sts, err := svc.Earnings(ctx, who.p, channel.EarningsRequest{Period: billed.String()})
		if err != nil || len(sts) != 1 || !sts[0].Total.IsPositive() {
			t.Fatalf("%s's statement of %s: %+v, %v", who.name, billed, sts, err)
		}
		tr, err := svc.EarningsTrend(ctx, who.p, channel.EarningsRequest{Period: billed.Next().String()})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Months) != channel.TrendMonths || tr.Months[channel.TrendMonths-1] != billed.Next() || tr.Months[channel.TrendMonths-2] != billed {
			t.Fatalf("%s's months %v, want a year ending with %s", who.name, tr.Months, billed.Next())
		}
		if len(tr.Series) != 1 || tr.Series[0].Currency != sts[0].Currency {
			t.Fatalf("%s's series %+v, want one in %s", who.name, tr.Series, sts[0].Currency)
		}
		for i, a := range tr.Series[0].Amounts {
			want := decimal.Zero
			if tr.Months[i] == billed {
				want = sts[0].Total
			}
			if !a.Equal(want) {
				t.Errorf("%s's earnings in %s: %s, want %s", who.name, tr.Months[i], a, want)
			}
		}
		// A year that ends before the month billed has no series.
		if tr, err := svc.EarningsTrend(ctx, who.p, channel.EarningsRequest{Period: billed.Prev().String()}); err != nil || len(tr.Series) != 0 {
			t.Fatalf("%s's year before %s: %+v, %v", who.name, billed, tr.Series, err)
		}
	}
	if _, err := svc.EarningsTrend(ctx, w.VendorB.Principal, channel.EarningsRequest{OrganizationID: w.VendorA.Org.ID, Period: billed.String()}); mercato.ErrorCode(err) != mercato.ENOTFOUND {
		t.Fatalf("another vendor's trend: %v, want not found", err)
	}
	if _, err := svc.EarningsTrend(ctx, w.VendorA.Principal, channel.EarningsRequest{Period: "2026-13"}); mercato.ErrorCode(err) != mercato.EINVALID {
		t.Fatalf("month 13: %v, want invalid", err)
	}
}
