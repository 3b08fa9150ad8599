package billingrun_test

import (
	"context"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestRunStatementsDoNotGrowWithCustomers: a billing run wrote each
// customer's invoice with a dozen statements of its own (the invoice, its
// lines, its charges marked, its number, its issuer read, its ledger, two
// events and their deliveries), over 1.2 statements per subscription: on
// PostgreSQL each a round trip, on SQLite each a parse. A chunk of
// customers now writes its invoices together in a few multi-row
// statements, so 2,000 subscriptions of 200 customers cost a small
// fraction of a statement each.
func TestRunStatementsDoNotGrowWithCustomers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		const n = 2000
		bench.SeedBilling(t, st, st.Engine(), n)
		ctx := context.Background()
		p, err := st.Bootstrap(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		before := st.Statements()
		r, err := billingrun.New(st, store.TxFunc[billingrun.Tx](st)).RunBilling(ctx, p, billingrun.Options{
			Period: billing.Month{Year: 2026, Month: time.March}, AsOf: time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if r.Subscriptions != n || r.Invoices != n/10 {
			t.Fatalf("billed %d subscriptions into %d invoices, want %d into %d", r.Subscriptions, r.Invoices, n, n/10)
		}
		stmts := st.Statements() - before
		t.Logf("%s: %d statements for %d subscriptions, %.3f each", st.Engine(), stmts, n, float64(stmts)/n)
		if per := float64(stmts) / n; per > 0.25 {
			t.Errorf("%d statements for %d subscriptions (%.2f each): a chunk's writes should not take statements per customer", stmts, n, per)
		}
	})
}
