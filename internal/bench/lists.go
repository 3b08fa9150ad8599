package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// Lists measures the lists that grow with the marketplace (issue 19:
// "lists stay flat as data grows"): the first page and a deep keyset page
// (after 90% of the ids) of subscriptions, orders, events and invoices, as
// each role reads them (the platform; distributor D1, reseller R1, customer
// C1 and vendor A, each of whom sees 1% of the rows), at rows rows per
// table seeded with bulk SQL. Each page is read `reads` times, alternating
// with the same-run baseline: one row read by primary key
// (organizations), the cheapest round trip to the same database. Figures:
// the p50 and p99 of each list and page (in the log, one line each), and
// the worst p99 of each list over roles and pages, with the baseline's p99
// and the ratio.
func Lists(engine store.Engine, rows int) func(B) {
	return func(b B) {
		st := storetest.Open(b, engine)
		w := storetest.NewWorld(b, st)
		seedLists(b, st, w, rows)
		benchLists(b, st, w, rows)
	}
}

// listRoles are the callers whose lists are measured.
func listRoles(w *storetest.World) []struct {
	name string
	p    mercato.Principal
} {
	return []struct {
		name string
		p    mercato.Principal
	}{
		{"platform", w.Platform.Principal}, {"distributor", w.D1.Principal}, {"reseller", w.R1.Principal},
		{"customer", w.C1.Principal}, {"vendor", w.VendorA.Principal},
	}
}

// listFuncs read one page of each list as p.
var listFuncs = []struct {
	name string
	read func(ctx context.Context, st *store.Store, p mercato.Principal, page store.Page) (int, error)
}{
	{"subscriptions", func(ctx context.Context, st *store.Store, p mercato.Principal, page store.Page) (int, error) {
		l, _, err := st.ListSubscriptions(ctx, p, store.SubscriptionFilter{}, page)
		return len(l), err
	}},
	{"orders", func(ctx context.Context, st *store.Store, p mercato.Principal, page store.Page) (int, error) {
		l, _, err := st.ListOrders(ctx, p, store.OrderFilter{}, page)
		return len(l), err
	}},
	{"events", func(ctx context.Context, st *store.Store, p mercato.Principal, page store.Page) (int, error) {
		l, _, err := st.ListEvents(ctx, p, store.EventFilter{}, page)
		return len(l), err
	}},
	{"invoices", func(ctx context.Context, st *store.Store, p mercato.Principal, page store.Page) (int, error) {
		l, _, err := st.ListInvoices(ctx, p, store.InvoiceFilter{}, page)
		return len(l), err
	}},
}

// seedBase is the first id of the seeded rows, above the world's own.
const seedBase = 1_000_000

// seedLists adds rows subscriptions, each with its order and CREATED event,
// and rows invoices: row i belongs to customer C1 (reseller R1, distributor
// D1, vendor A's plan) when i%100 == 0, else to one of 97 customers made
// under reseller R2 (vendor B's plan). The rows are copies of a real order's
// (placed through the ordering service first), with the ids and customers
// changed, so every column holds what the application writes.
func seedLists(b B, st *store.Store, w *storetest.World, rows int) {
	ctx := context.Background()
	db := st.DB()
	exec := func(q string, args ...any) {
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%.60s: %v", q, err)
		}
	}
	one := func(q string, args ...any) int64 {
		var id int64
		if err := db.QueryRowContext(ctx, q, args...).Scan(&id); err != nil {
			b.Fatalf("%.60s: %v", q, err)
		}
		return id
	}
	subC1 := storetest.Order(b, st, w.C1.Principal, 0, w.PlanA.ID, 1).ID
	subC2 := storetest.Order(b, st, w.C2.Principal, 0, w.PlanB.ID, 1).ID
	const others = 97
	now := st.Now()
	var vals []string
	var args []any
	for i := range others {
		vals = append(vals, fmt.Sprintf("($%d, 'customer', $%d, $%d, TRUE, $%d, $%d)", len(args)+1, len(args)+2, len(args)+3, len(args)+4, len(args)+5))
		args = append(args, seedBase+i, fmt.Sprint("bench customer ", i), w.R2.Org.ID, now, now)
	}
	exec("INSERT INTO organizations (id, kind, name, parent_id, on_account, created_at, updated_at) VALUES "+strings.Join(vals, ", "), args...)

	// seq is the row numbers 0 … rows-1 in each engine's dialect.
	seq := fmt.Sprintf("(WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < %d) SELECT i FROM n) seq", rows-1)
	if st.Engine() == store.Postgres {
		seq = fmt.Sprintf("generate_series(0, %d) AS seq(i)", rows-1)
	}
	schema := storetest.Schema(b, st)
	// clone copies the template row of table once per row number where
	// cond holds, setting the columns in set (SQL over seq.i) and copying
	// the others.
	clone := func(table string, template int64, cond string, set map[string]string) {
		var names, exprs []string
		for _, c := range schema[table] {
			names = append(names, c.Name)
			if e, ok := set[c.Name]; ok {
				exprs = append(exprs, e)
			} else {
				exprs = append(exprs, "t."+c.Name)
			}
		}
		exec(fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s CROSS JOIN (SELECT * FROM %s WHERE id = %d) t WHERE %s",
			table, strings.Join(names, ", "), strings.Join(exprs, ", "), seq, table, template, cond))
	}
	id := fmt.Sprintf("%d + seq.i", seedBase)
	other := fmt.Sprintf("%d + seq.i %% %d", seedBase, others)
	for _, tpl := range []struct {
		sub  int64
		cond string
		set  map[string]string // the customer
	}{
		{subC1, "seq.i % 100 = 0", map[string]string{}},
		{subC2, "seq.i % 100 <> 0", map[string]string{"customer_id": other}},
	} {
		order := one("SELECT id FROM orders WHERE subscription_id = $1", tpl.sub)
		event := one("SELECT MIN(id) FROM events WHERE entity = 'Subscription' AND entity_id = $1", tpl.sub)
		withID := func(extra map[string]string) map[string]string {
			m := map[string]string{"id": id}
			for k, v := range tpl.set {
				m[k] = v
			}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		clone("subscriptions", tpl.sub, tpl.cond, withID(nil))
		clone("orders", order, tpl.cond, withID(map[string]string{"subscription_id": id}))
		clone("events", event, tpl.cond, withID(map[string]string{"entity_id": id}))
	}
	// Invoices: drafts (no number) of the platform to the same customers.
	ts := "$5" // PostgreSQL infers no type for a parameter in a select list
	if st.Engine() == store.Postgres {
		ts = "CAST($5 AS TIMESTAMPTZ)"
	}
	// Their viewers (migration 00036) are the customer's reseller and
	// distributor, as the store writes them.
	exec(fmt.Sprintf(`INSERT INTO invoices (id, kind, issuer_id, customer_id, reseller_id, period, currency, status, tax_rate, subtotal, tax, total, created_at, updated_at,
			viewer_reseller_id, viewer_distributor_id)
		SELECT %s, 'invoice', CAST($1 AS BIGINT), CASE WHEN seq.i %% 100 = 0 THEN CAST($2 AS BIGINT) ELSE %s END, CASE WHEN seq.i %% 100 = 0 THEN CAST($3 AS BIGINT) ELSE CAST($4 AS BIGINT) END,
			'2026-03', 'EUR', 'draft', '22', '100.00', '22.00', '122.00', %[4]s, %[4]s,
			CASE WHEN seq.i %% 100 = 0 THEN CAST($3 AS BIGINT) ELSE CAST($4 AS BIGINT) END, CASE WHEN seq.i %% 100 = 0 THEN CAST($6 AS BIGINT) ELSE CAST($7 AS BIGINT) END FROM %[3]s`, id, other, seq, ts),
		w.Platform.Org.ID, w.C1.Org.ID, w.R1.Org.ID, w.R2.Org.ID, now, w.D1.Org.ID, w.D2.Org.ID)
	if st.Engine() == store.Postgres {
		exec("ANALYZE") // as autovacuum would after a load
	}
}

func benchLists(b B, st *store.Store, w *storetest.World, rows int) {
	ctx := context.Background()
	reads := min(200, max(5, b.N()))
	deep := store.Page{After: int64(seedBase + rows*9/10 - 1)} // from row 90% on
	base := func() error {
		var name string
		return st.DB().QueryRowContext(ctx, "SELECT name FROM organizations WHERE id = $1", w.C1.Org.ID).Scan(&name)
	}
	var baseLat []time.Duration
	worst := map[string]time.Duration{}
	var worstAll time.Duration
	b.ResetTimer()
	for _, l := range listFuncs {
		for _, r := range listRoles(w) {
			for _, pg := range []struct {
				name string
				page store.Page
			}{{"first", store.Page{}}, {"deep", deep}} {
				var lat []time.Duration
				got := 0
				for i := range reads + 1 {
					t0 := time.Now()
					if err := base(); err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					n, err := l.read(ctx, st, r.p, pg.page)
					if err != nil {
						b.Fatalf("%s as %s: %v", l.name, r.name, err)
					}
					if i == 0 { // warm-up, untimed
						got = n
						continue
					}
					baseLat = append(baseLat, t1.Sub(t0))
					lat = append(lat, time.Since(t1))
				}
				p50, p99 := quantiles(lat)
				worst[l.name] = max(worst[l.name], p99)
				worstAll = max(worstAll, p99)
				b.Logf("%s rows %s as %s, %s page (%d rows): p50 %.3f ms p99 %.3f ms", fmtRows(rows), l.name, r.name, pg.name, got, ms(p50), ms(p99))
			}
		}
	}
	b.StopTimer()
	b50, b99 := quantiles(baseLat)
	for name, p99 := range worst {
		b.ReportMetric(ms(p99), name+"-worst-p99-ms")
	}
	b.ReportMetric(ms(b50), "base-p50-ms")
	b.ReportMetric(ms(b99), "base-p99-ms")
	b.ReportMetric(float64(worstAll)/float64(b99), "worst-p99/base-p99")
	b.Logf("%s rows: baseline (one row by primary key) p50 %.3f ms p99 %.3f ms; worst list p99 %.3f ms, %.1fx the baseline's",
		fmtRows(rows), ms(b50), ms(b99), ms(worstAll), float64(worstAll)/float64(b99))
}

// quantiles are the p50 and p99 of lat (sorted in place).
func quantiles(lat []time.Duration) (p50, p99 time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	slices.Sort(lat)
	at := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
	return at(0.50), at(0.99)
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// fmtRows is 1k, 100k, 1M.
func fmtRows(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprint(n)
}
