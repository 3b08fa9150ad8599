package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// SeedBilling inserts n active subscriptions across the five pricing models for
// n/10 customers (half of them under a reseller with a markup), with bulk
// SQL, each delivered and charged for its first period (February) at the
// version it was sold at, as an order leaves it; a run closing March then
// charges and invoices every second period.
func SeedBilling(b storetest.TB, st *store.Store, engine store.Engine, n int) {
	ctx := context.Background()
	admin, err := st.Bootstrap(ctx, "")
	if err != nil {
		b.Fatal(err)
	}
	db := st.DB()
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	exec := func(q string, args ...any) {
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q[:40], err)
		}
	}
	exec(`INSERT INTO organizations (id, kind, name, created_at, updated_at) VALUES (1000, 'vendor', 'V', $1, $1), (1001, 'reseller', 'R', $1, $1)`, now)
	exec(`INSERT INTO products (id, vendor_id, name, type, published, created_at, updated_at) VALUES (1000, 1000, 'P', 'saas', TRUE, $1, $1)`, now)
	plans := []string{
		`{"currency":"EUR","model":"flat","amount":"25.00","setup_fee":"10.00"}`,
		`{"currency":"EUR","model":"per_unit","unit_amount":"4.50"}`,
		`{"currency":"EUR","model":"volume","tiers":[{"up_to":9,"unit_amount":"5"},{"up_to":null,"unit_amount":"3"}]}`,
		`{"currency":"EUR","model":"graduated","tiers":[{"up_to":9,"unit_amount":"5"},{"up_to":null,"unit_amount":"3"}]}`,
		`{"currency":"EUR","model":"package","package_size":10,"amount":"20.00"}`,
	}
	for i, p := range plans {
		exec(`INSERT INTO plans (id, product_id, name, pricing, created_at, updated_at) VALUES ($1, 1000, $2, $3, $4, $4)`, 1000+i, fmt.Sprint("plan", i), p, now)
	}
	exec(`INSERT INTO price_list_entries (organization_id, plan_id, kind, value, updated_at) VALUES (1001, 1001, 'percentage', '15', $1)`, now)
	// The versions sold: plan × quantity × through the reseller or not.
	versions := map[[3]int64]string{}
	version := func(plan, qty, reseller int64) string {
		k := [3]int64{plan, qty, reseller}
		if v, ok := versions[k]; ok {
			return v
		}
		var pr pricing.Pricing
		if err := json.Unmarshal([]byte(plans[plan-1000]), &pr); err != nil {
			b.Fatal(err)
		}
		prices, err := st.ChannelPrices(ctx, plan, 1000, reseller, 0)
		if err != nil {
			b.Fatal(err)
		}
		v, err := billing.NewVersion(plan, fmt.Sprint("plan", plan-1000), qty, pr, 1000, prices)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := v.JSON()
		if err != nil {
			b.Fatal(err)
		}
		versions[k] = raw
		return raw
	}
	customers := n / 10
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	batch := func(prefix string, rows int, row func(i int) (string, []any)) {
		const per = 500
		for start := 0; start < rows; start += per {
			var sb strings.Builder
			sb.WriteString(prefix)
			var args []any
			for i := start; i < min(start+per, rows); i++ {
				if i > start {
					sb.WriteByte(',')
				}
				vals, a := row(i)
				if engine == store.Postgres { // SQLite takes ? as it is, and is quadratic in $n names
					for j := range a {
						vals = strings.Replace(vals, "?", fmt.Sprintf("$%d", len(args)+j+1), 1)
					}
				}
				sb.WriteString(vals)
				args = append(args, a...)
			}
			if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
				b.Fatal(err)
			}
		}
	}
	batch(`INSERT INTO organizations (id, kind, name, parent_id, on_account, created_at, updated_at) VALUES `, customers, func(i int) (string, []any) {
		var parent any
		if i%2 == 0 {
			parent = int64(1001)
		}
		return "(?, 'customer', ?, ?, TRUE, ?, ?)", []any{10000 + i, fmt.Sprint("c", i), parent, now, now}
	})
	start := func(i int) time.Time { return now.Add(time.Duration(i%672) * time.Hour) } // spread over February
	batch(`INSERT INTO subscriptions (id, customer_id, reseller_id, vendor_id, product_id, plan_id, type, deployment_status, paid, auto_renew, quantity, currency, start_date, end_date, created_at, updated_at) VALUES `, n, func(i int) (string, []any) {
		c := i / 10
		var reseller any
		if c%2 == 0 {
			reseller = int64(1001)
		}
		return "(?, ?, ?, 1000, 1000, ?, 'NORMAL', 'DEPLOYED', TRUE, TRUE, ?, 'EUR', ?, ?, ?, ?)",
			[]any{1 + i, 10000 + c, reseller, 1000 + i%5, 1 + i%40, start(i), start(i).AddDate(1, 0, 0), start(i), start(i)}
	})
	batch(`INSERT INTO charge_schedules (subscription_id, anchor, charged_until, delivered_at, version) VALUES `, n, func(i int) (string, []any) {
		reseller := int64(0)
		if (i/10)%2 == 0 {
			reseller = 1001
		}
		return "(?, ?, ?, ?, ?)", []any{1 + i, start(i), start(i).AddDate(0, 1, 0), start(i), version(int64(1000+i%5), int64(1+i%40), reseller)}
	})
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	// The rows above chose their ids: PostgreSQL's sequences go past them,
	// so that what is added afterwards (orders placed meanwhile) gets ids
	// of its own.
	if engine == store.Postgres {
		for _, table := range []string{"organizations", "products", "plans", "subscriptions"} {
			exec(`SELECT setval(pg_get_serial_sequence('` + table + `', 'id'), (SELECT MAX(id) FROM ` + table + `))`)
		}
	}
	_ = admin
}

// BillingSizes are the numbers of subscriptions the billing run is
// measured at by default (go test -bench, which CI runs once, and
// `mercato bench`); `mercato bench -billing-sizes` adds 1,000,000.
var BillingSizes = []int{10_000, 100_000}

// Billing seeds n active subscriptions (n/10 customers) and bills one
// month on the engine (every subscription's period that begins in March is
// charged at its version and invoiced), printing the run's time against a
// plain scan of the same subscription rows in the same run, and the time
// per subscription of each (at every size: the run should grow linearly).
func Billing(engine store.Engine, n int) func(b B) {
	return func(b B) {
		{
			st := storetest.Open(b, engine)
			SeedBilling(b, st, engine, n)
			ctx := context.Background()
			p, _ := st.Bootstrap(ctx, "")
			scanStart := time.Now()
			rows, err := st.DB().QueryContext(ctx, `SELECT id, customer_id, reseller_id, plan_id, product_id, type, deployment_status, auto_renew, quantity, start_date, end_date FROM subscriptions`)
			if err != nil {
				b.Fatal(err)
			}
			count := 0
			for rows.Next() {
				var (
					id, cust, plan, prod, qty int64
					res                       *int64
					typ, status               string
					auto                      bool
					s, e                      time.Time
				)
				if err := rows.Scan(&id, &cust, &res, &plan, &prod, &typ, &status, &auto, &qty, &s, &e); err != nil {
					b.Fatal(err)
				}
				count++
			}
			rows.Close()
			scan := time.Since(scanStart)
			svc := billingrun.New(st, store.TxFunc[billingrun.Tx](st))
			b.ResetTimer()
			cpu0, measured := cpuTime()
			start := time.Now()
			run, err := svc.RunBilling(ctx, p, billingrun.Options{Period: billing.Month{Year: 2026, Month: time.March}, AsOf: time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)})
			if err != nil {
				b.Fatal(err)
			}
			took := time.Since(start)
			b.StopTimer()
			b.ReportMetric(took.Seconds(), "s/run")
			b.ReportMetric(took.Seconds()/scan.Seconds(), "x-of-plain-scan")
			b.ReportMetric(float64(took.Microseconds())/float64(n), "µs/sub")
			b.ReportMetric(float64(scan.Microseconds())/float64(count), "scan-µs/row")
			if cpu1, ok := cpuTime(); ok && measured {
				b.ReportMetric(float64((cpu1-cpu0).Microseconds())/float64(n), "cpu-µs/sub")
			}
			b.Logf("%s: billed %d subscriptions into %d invoices, %d lines in %s; plain scan of %d rows %s; ratio %.0fx",
				engine, run.Subscriptions, run.Invoices, run.Lines, took.Round(time.Millisecond), count, scan.Round(time.Millisecond), took.Seconds()/scan.Seconds())
		}
	}
}
