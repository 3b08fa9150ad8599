package billingrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// customerIn creates a customer of reseller R1, buying on account, billed
// in currency.
func customerIn(t *testing.T, st *store.Store, w *storetest.World, name, currency string) mercato.Organization {
	t.Helper()
	o, err := storetest.Accounts(st).CreateOrganization(context.Background(), w.Platform.Principal,
		mercato.Organization{Kind: mercato.KindCustomer, Name: name, ParentID: &w.R1.Org.ID, OnAccount: true, Currency: currency})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// setRate sets the operator's rate of a pair from a day.
func setRate(t *testing.T, st *store.Store, w *storetest.World, base, quote, rate, day string) {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := storetest.Channel(st).SetExchangeRate(context.Background(), w.Platform.Principal,
		pricing.ExchangeRate{Base: base, Quote: quote, Rate: decimal.RequireFromString(rate), ValidFrom: d}); err != nil {
		t.Fatal(err)
	}
}

// chargeRow is what a charge records of its currency and conversion.
type chargeRow struct {
	kind, currency, amount, from, original, rate, day string
}

func chargeRows(t *testing.T, st *store.Store, sub int64) []chargeRow {
	t.Helper()
	rows, err := st.DB().Query(`SELECT kind, currency, amount, original_currency, original_amount, exchange_rate, rate_date FROM charges
		WHERE subscription_id = $1 ORDER BY period_start, id`, sub)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []chargeRow
	for rows.Next() {
		var (
			r              chargeRow
			amount         decimal.Decimal
			original, rate decimal.NullDecimal
			day            *time.Time
		)
		if err := rows.Scan(&r.kind, &r.currency, &amount, &r.from, &original, &rate, &day); err != nil {
			t.Fatal(err)
		}
		r.amount = amount.String()
		if original.Valid {
			r.original, r.rate = original.Decimal.String(), rate.Decimal.String()
		}
		if day != nil {
			r.day = day.UTC().Format(time.DateOnly)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUSDCustomerIsBilledInUSD: a customer billed in USD that bought a
// plan priced in EUR was quoted, ordered, charged and invoiced in EUR.
// Now the plan's price through the channel is converted at the operator's
// rate of the day of the sale and every amount it is billed is in USD,
// each charge recording what it cost in EUR and the rate with its date.
func TestUSDCustomerIsBilledInUSD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		usd := customerIn(t, st, w, "usd-customer", "USD")
		setRate(t, st, w, "EUR", "USD", "1.05", "2026-01-01")
		setRate(t, st, w, "EUR", "USD", "1.1", "2026-02-15")
		setRate(t, st, w, "EUR", "USD", "9.9", "2026-03-02") // not yet valid on the day of the sale
		markup(t, st, w, w.R1.Org.ID, w.PlanA.ID, "10")

		// 3 seats × 10.00 EUR, the reseller's 10%: 33.00 EUR; at 1.1: 36.30 USD.
		q, err := app.Ordering(st).Quote(ctx, w.Platform.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 3, CustomerID: usd.ID})
		if err != nil {
			t.Fatal(err)
		}
		if q.Currency != "USD" || q.Total.String() != "36.3" {
			t.Fatalf("quote %s %s", q.Currency, q.Total)
		}
		sum := decimal.Zero
		for _, s := range q.Shares {
			sum = sum.Add(s.Amount)
		}
		if !sum.Equal(q.Total) {
			t.Fatalf("quote's shares %v sum to %s, not %s", q.Shares, sum, q.Total)
		}

		o, err := app.Ordering(st).PlaceOrder(ctx, w.Platform.Principal, subscription.OrderRequest{CustomerID: usd.ID, PlanID: w.PlanA.ID, Quantity: 3})
		if err != nil {
			t.Fatal(err)
		}
		if o.Currency != "USD" || o.Total.String() != "36.3" {
			t.Fatalf("order %s %s", o.Currency, o.Total)
		}
		deploy(t, st, w, o.SubscriptionID)
		want := chargeRow{kind: "recurring", currency: "USD", amount: "36.3", from: "EUR", original: "33", rate: "1.1", day: "2026-02-15"}
		if got := chargeRows(t, st, o.SubscriptionID); len(got) != 1 || got[0] != want {
			t.Fatalf("charges %+v, want %+v", got, want)
		}

		// A rate set after the sale does not change the open charge.
		setRate(t, st, w, "EUR", "USD", "2", "2026-02-15")
		run(t, st, w, "2026-03")
		invs := invoices(t, st, w.Platform.Principal, usd.ID)
		if len(invs) != 1 || invs[0].Currency != "USD" || fmt.Sprint(amounts(invs[0])) != "[recurring:36.30]" {
			t.Fatalf("invoices %v", allAmounts(invs))
		}
		shares := decimal.Zero
		for _, sh := range invs[0].Lines[0].Shares {
			shares = shares.Add(sh.Amount)
		}
		if !shares.Equal(invs[0].Subtotal) {
			t.Fatalf("shares %v sum to %s, not %s", invs[0].Lines[0].Shares, shares, invs[0].Subtotal)
		}
		checkBalanced(t, st)
		// Every party earns its share in USD; together, the invoice.
		earned := decimal.Zero
		for _, org := range []int64{w.VendorA.Org.ID, w.D1.Org.ID, w.R1.Org.ID, w.Platform.Org.ID} {
			sts, err := st.Earnings(ctx, org, "2026-03")
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sts {
				if s.Currency != "USD" {
					t.Fatalf("organization %d earns in %s", org, s.Currency)
				}
				earned = earned.Add(s.Total)
			}
		}
		if !earned.Equal(invs[0].Subtotal) {
			t.Fatalf("earnings %s, invoiced %s", earned, invs[0].Subtotal)
		}

		// The renewal sells the next term at the rate of its own day.
		clk.set("2026-04-01T00:00:00Z")
		run(t, st, w, "2026-04")
		got := chargeRows(t, st, o.SubscriptionID)
		if len(got) != 2 || got[1].currency != "USD" || got[1].rate != "9.9" || got[1].day != "2026-03-02" || got[1].amount != "326.7" {
			t.Fatalf("after renewal %+v", got)
		}
		sub, err := st.Subscription(ctx, w.Platform.Principal, o.SubscriptionID)
		if err != nil || sub.Currency != "USD" {
			t.Fatalf("subscription %s %v", sub.Currency, err)
		}
	})
}

// TestNoRateRefusesTheOrder: a customer billed in a currency the table
// cannot convert the plan's to is refused (422 naming currency) and
// nothing is written.
func TestNoRateRefusesTheOrder(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, _ := billingWorld(t, st)
		jpy := customerIn(t, st, w, "jpy-customer", "JPY")
		setRate(t, st, w, "EUR", "USD", "1.1", "2026-01-01")
		setRate(t, st, w, "EUR", "JPY", "160", "2026-03-02") // from tomorrow
		storetest.Unchanged(t, st, func() {
			_, err := app.Ordering(st).PlaceOrder(ctx, w.Platform.Principal, subscription.OrderRequest{CustomerID: jpy.ID, PlanID: w.PlanA.ID, Quantity: 1})
			if mercato.ErrorCode(err) != mercato.EINVALID || len(mercato.Fields(err)) != 1 || mercato.Fields(err)[0].Path != "currency" {
				t.Fatalf("ordered without a rate: %v", err)
			}
			_, err = app.Ordering(st).Quote(ctx, w.Platform.Principal, ordering.QuoteRequest{PlanID: w.PlanA.ID, Quantity: 1, CustomerID: jpy.ID})
			if mercato.ErrorCode(err) != mercato.EINVALID || mercato.Fields(err)[0].Path != "currency" {
				t.Fatalf("quoted without a rate: %v", err)
			}
		})
	})
}

// TestJPYAmountsAreWhole: a JPY customer's amounts have no decimals, the
// table's opposite pair is used inverted, and the shares of every charge
// still add up to its total in yen.
func TestJPYAmountsAreWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, _ := billingWorld(t, st)
		jpy := customerIn(t, st, w, "jpy-customer", "JPY")
		// 1 JPY = 0.00617 EUR: 1 EUR = 162.0745542950 JPY.
		setRate(t, st, w, "JPY", "EUR", "0.00617", "2026-01-01")
		markup(t, st, w, w.D1.Org.ID, w.PlanA.ID, "7")
		markup(t, st, w, w.R1.Org.ID, w.PlanA.ID, "13")
		o, err := app.Ordering(st).PlaceOrder(ctx, w.Platform.Principal, subscription.OrderRequest{CustomerID: jpy.ID, PlanID: w.PlanA.ID, Quantity: 7})
		if err != nil {
			t.Fatal(err)
		}
		// 7 × 10.00 = 70.00; +7% = 74.90; +13% = 84.637 → 84.64 EUR;
		// × 162.074554295 = 13717.99… → 13718 JPY.
		if o.Currency != "JPY" || o.Total.String() != "13718" {
			t.Fatalf("order %s %s", o.Currency, o.Total)
		}
		deploy(t, st, w, o.SubscriptionID)
		run(t, st, w, "2026-03")
		invs := invoices(t, st, w.Platform.Principal, jpy.ID)
		if len(invs) != 1 || invs[0].Currency != "JPY" || !invs[0].Subtotal.Equal(decimal.NewFromInt(13718)) {
			t.Fatalf("invoices %v", allAmounts(invs))
		}
		for _, l := range invs[0].Lines {
			sum := decimal.Zero
			for _, sh := range l.Shares {
				if !sh.Amount.Equal(sh.Amount.Truncate(0)) {
					t.Fatalf("share %s has decimals", sh.Amount)
				}
				sum = sum.Add(sh.Amount)
			}
			if !sum.Equal(l.Amount) || !l.Amount.Equal(l.Amount.Truncate(0)) {
				t.Fatalf("line %s, shares %v", l.Amount, l.Shares)
			}
		}
		checkBalanced(t, st)
	})
}

// TestRenewalWithoutRateIsSkipped: a renewal the table cannot convert (the
// customer now billed in a currency no rate reaches) is skipped with its
// reason, the subscription left unchanged for the next run, and every
// other invoice is issued; once the operator sets the rate, the next run
// renews it in that currency.
func TestRenewalWithoutRateIsSkipped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		usd := customerIn(t, st, w, "usd-customer", "USD")
		setRate(t, st, w, "EUR", "USD", "1.1", "2026-01-01")
		sub := buy(t, st, w.Platform.Principal, usd.ID, w.PlanA.ID, 1)
		other := buy(t, st, w.C1.Principal, w.C1.Org.ID, w.PlanA.ID, 1)
		deploy(t, st, w, sub, other)
		run(t, st, w, "2026-03")
		if _, err := st.DB().Exec(`UPDATE organizations SET currency = 'GBP' WHERE id = $1`, usd.ID); err != nil {
			t.Fatal(err)
		}
		clk.set("2026-04-01T00:00:00Z")
		r := run(t, st, w, "2026-04")
		if r.Skipped != 1 || len(r.Skips) != 1 || r.Skips[0].SubscriptionID != sub || r.Skips[0].Step != "renewal" ||
			!strings.Contains(r.Skips[0].Reason, "no exchange rate from EUR to GBP") {
			t.Fatalf("run %+v", r)
		}
		if got := invoices(t, st, w.C1.Principal, w.C1.Org.ID); len(got) != 2 {
			t.Fatalf("the other customer's invoices: %v", allAmounts(got))
		}
		s, err := st.Subscription(ctx, w.Platform.Principal, sub)
		if err != nil || s.Currency != "USD" || !s.EndDate.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("skipped subscription changed: %s %s %v", s.Currency, s.EndDate, err)
		}
		setRate(t, st, w, "GBP", "EUR", "1.25", "2026-03-15") // 1 EUR = 0.8 GBP
		clk.set("2026-04-02T00:00:00Z")
		r = run(t, st, w, "2026-04")
		got := chargeRows(t, st, sub)
		if r.Skipped != 0 || len(got) != 2 || got[1].currency != "GBP" || got[1].amount != "8" || got[1].rate != "0.8" {
			t.Fatalf("run %+v, charges %+v", r, got)
		}
	})
}

// TestUSDCustomerChangesAndTrialsInUSD: a seat upgrade and a trial paid
// for of a USD customer are charged in USD at the rate of their day, each
// charge recording what it cost in EUR, and the month is one USD invoice.
func TestUSDCustomerChangesAndTrialsInUSD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		usd := customerIn(t, st, w, "usd-customer", "USD")
		setRate(t, st, w, "EUR", "USD", "1.1", "2026-01-01")
		setRate(t, st, w, "EUR", "USD", "1.2", "2026-03-16")
		sub := buy(t, st, w.Platform.Principal, usd.ID, w.PlanA.ID, 3)
		trial := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Trial", `{"currency":"EUR","period":"P1M","model":"per_unit","unit":"seat","unit_amount":"10.00","trial_days":14}`)
		ts := buy(t, st, w.Platform.Principal, usd.ID, trial.ID, 1)
		deploy(t, st, w, sub, ts)
		clk.set("2026-03-16T00:00:00Z")
		change(t, st, w.Platform.Principal, sub, 4, 0)
		if _, err := app.Lifecycle(st).Pay(ctx, w.Platform.Principal, ts); err != nil {
			t.Fatal(err)
		}
		// The upgrade: 1 seat a period, 10.00 EUR, 12.00 USD at the day's
		// 1.2; for 384 of 744 hours: 5.16 EUR, 6.19 USD. The month: 3 seats
		// at 1.1 (33.00) + 6.19 + the trial's 12.00 = 51.19 USD.
		got := chargeRows(t, st, sub)
		if len(got) != 2 || got[1].kind != "change" || got[1].currency != "USD" || got[1].from != "EUR" || got[1].original != "5.16" ||
			got[1].rate != "1.2" || got[1].amount != "6.19" {
			t.Fatalf("change charges %+v", got)
		}
		// The trial, paid for on day 16, is charged from its end (Mar 15)
		// at the rate of the day it was paid for: 10.00 EUR × 1.2.
		got = chargeRows(t, st, ts)
		if len(got) != 1 || got[0].currency != "USD" || got[0].amount != "12" || got[0].rate != "1.2" {
			t.Fatalf("trial charges %+v", got)
		}
		run(t, st, w, "2026-03")
		invs := invoices(t, st, w.Platform.Principal, usd.ID)
		if len(invs) != 1 || invs[0].Currency != "USD" || !invs[0].Subtotal.Equal(decimal.RequireFromString("51.19")) {
			t.Fatalf("invoices %v", allAmounts(invs))
		}
		checkBalanced(t, st)
	})
}

// TestExplicitCurrencyPrice: a EUR plan with its own USD price sells to a
// USD customer at that price (no conversion; its charges record the plan's
// currency and no rate), a EUR plan without one at its EUR price converted
// at the operator's rate (recorded as such); a change of the USD price is
// a new price version: the live subscription keeps its price until its
// renewal, a new order pays the new one at once.
func TestExplicitCurrencyPrice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w, clk := billingWorld(t, st)
		usd := customerIn(t, st, w, "usd-customer", "USD")
		setRate(t, st, w, "EUR", "USD", "1.08", "2026-01-01")
		dual := storetest.Plan(t, st, w.VendorA.Principal, w.ProductA.ID, "Dual", `{"currency":"EUR","period":"P1M","term":"P3M","model":"per_unit","unit":"seat",
			"unit_amount":"10.00","setup_fee":"5.00","prices":[{"currency":"USD","unit_amount":"11.50","setup_fee":"6.00"}]}`)

		// 3 seats: 34.50 USD and a setup fee of 6.00 USD, as the plan says.
		q, err := app.Ordering(st).Quote(ctx, w.Platform.Principal, ordering.QuoteRequest{PlanID: dual.ID, Quantity: 3, CustomerID: usd.ID})
		if err != nil || q.Currency != "USD" || q.Total.String() != "40.5" {
			t.Fatalf("quote %s %s %v", q.Currency, q.Total, err)
		}
		explicit, err := app.Ordering(st).PlaceOrder(ctx, w.Platform.Principal, subscription.OrderRequest{CustomerID: usd.ID, PlanID: dual.ID, Quantity: 3})
		if err != nil || explicit.Currency != "USD" || explicit.Total.String() != "40.5" {
			t.Fatalf("order %+v %v", explicit, err)
		}
		// PlanA has no USD price: 3 × 10.00 EUR at 1.08 is 32.40 USD.
		converted, err := app.Ordering(st).PlaceOrder(ctx, w.Platform.Principal, subscription.OrderRequest{CustomerID: usd.ID, PlanID: w.PlanA.ID, Quantity: 3})
		if err != nil || converted.Total.String() != "32.4" {
			t.Fatalf("converted order %+v %v", converted, err)
		}
		deploy(t, st, w, explicit.SubscriptionID, converted.SubscriptionID)
		if got := fmt.Sprint(chargeRows(t, st, explicit.SubscriptionID)); got != "[{recurring USD 34.5    } {setup USD 6    }]" {
			t.Errorf("explicit charges %s", got)
		}
		if got := fmt.Sprint(chargeRows(t, st, converted.SubscriptionID)); got != "[{recurring USD 32.4 EUR 30 1.08 2026-01-01}]" {
			t.Errorf("converted charges %s", got)
		}
		// The explicit charge records what it was priced at: the plan's USD
		// price, its plan being in EUR.
		var version string
		if err := st.DB().QueryRow(`SELECT version FROM charges WHERE subscription_id = $1 AND kind = 'recurring'`, explicit.SubscriptionID).Scan(&version); err != nil {
			t.Fatal(err)
		}
		var v billing.Version
		if err := json.Unmarshal([]byte(version), &v); err != nil || v.PlanCurrency != "EUR" || v.Pricing.Currency != "USD" || v.Rate != nil || len(v.Pricing.Prices) != 0 {
			t.Fatalf("explicit charge's version %s (%v)", version, err)
		}
		run(t, st, w, "2026-03")
		invs := invoices(t, st, w.Platform.Principal, usd.ID)
		if len(invs) != 1 || invs[0].Currency != "USD" || fmt.Sprint(amounts(invs[0])) != "[recurring:34.50 setup:6.00 recurring:32.40]" {
			t.Fatalf("invoices %v", allAmounts(invs))
		}
		checkBalanced(t, st)

		// The vendor raises the USD price to 12.00: a new price version.
		var p pricing.Pricing
		if err := json.Unmarshal([]byte(`{"currency":"EUR","period":"P1M","term":"P3M","model":"per_unit","unit":"seat",
			"unit_amount":"10.00","setup_fee":"5.00","prices":[{"currency":"USD","unit_amount":"12.00","setup_fee":"6.00"}]}`), &p); err != nil {
			t.Fatal(err)
		}
		if _, err := storetest.Listing(st).UpdatePlan(ctx, w.VendorA.Principal, dual.ID, listing.PlanUpdate{Pricing: &p}); err != nil {
			t.Fatal(err)
		}
		if hist, err := storetest.Listing(st).PlanPrices(ctx, w.VendorA.Principal, dual.ID); err != nil || len(hist) != 2 || hist[len(hist)-1].Pricing.Prices[0].UnitAmount.String() != "12" {
			t.Fatalf("price history %+v %v", hist, err)
		}
		again, err := app.Ordering(st).PlaceOrder(ctx, w.Platform.Principal, subscription.OrderRequest{CustomerID: usd.ID, PlanID: dual.ID, Quantity: 3})
		if err != nil || again.Total.String() != "42" {
			t.Fatalf("a new order after the change: %+v %v", again, err)
		}
		// April: the live subscription's second period, at its old price.
		clk.set("2026-04-01T01:00:00Z")
		run(t, st, w, "2026-04")
		if got := chargeRows(t, st, explicit.SubscriptionID); len(got) != 3 || got[2].amount != "34.5" || got[2].currency != "USD" {
			t.Fatalf("April period %+v", got)
		}
		// June: the renewal sells the next term at the new price.
		clk.set("2026-06-01T01:00:00Z")
		run(t, st, w, "2026-06")
		got := chargeRows(t, st, explicit.SubscriptionID)
		if last := got[len(got)-1]; last.kind != "recurring" || last.amount != "36" || last.from != "" {
			t.Fatalf("after the renewal %+v", got)
		}
	})
}
