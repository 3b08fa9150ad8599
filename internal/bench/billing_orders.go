package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
)

// ordersDuringRunClients is how many customers place orders at once while
// the run goes on.
const ordersDuringRunClients = 4

// BillingWithOrders seeds n subscriptions and bills a month in
// transactions of chunk customers while ordersDuringRunClients customers
// place orders the whole time: it prints the orders' p50 and p99 during the
// run against the same orders' before it (the same-run baseline), how
// many failed, and the run's time.
func BillingWithOrders(engine store.Engine, n, chunk int) func(b B) {
	return func(b B) {
		st := storetest.Open(b, engine)
		SeedBilling(b, st, engine, n)
		ctx := context.Background()
		p, err := st.Bootstrap(ctx, "")
		if err != nil {
			b.Fatal(err)
		}
		orders := app.Ordering(st)
		var seq atomic.Int64
		// place has customer c order one seat of the per-unit plan (no
		// setup fee, no configuration).
		place := func(c int) (time.Duration, error) {
			buyer := mercato.Principal{OrgID: int64(10_001 + 2*(c%(n/20))), OrgKind: mercato.KindCustomer, Role: mercato.RoleAdmin}
			start := time.Now()
			_, err := orders.PlaceOrder(ctx, buyer, subscription.OrderRequest{PlanID: 1001, Quantity: 1, IdempotencyKey: fmt.Sprintf("during-run-%d", seq.Add(1))})
			return time.Since(start), err
		}
		// phase places orders from the clients until stop is closed (or,
		// without one, until each placed count orders).
		phase := func(stop <-chan struct{}, count int) (lat []time.Duration, failed int) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			for c := range ordersDuringRunClients {
				wg.Go(func() {
					for i := 0; ; i++ {
						if stop == nil && i == count {
							return
						}
						if stop != nil {
							select {
							case <-stop:
								return
							default:
							}
						}
						d, err := place(c*1000 + i)
						mu.Lock()
						if err != nil {
							failed++
							b.Logf("order during the run failed after %s: %v", d.Round(time.Millisecond), err)
						} else {
							lat = append(lat, d)
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			return lat, failed
		}
		base, baseFailed := phase(nil, 25)
		svc := billingrun.New(st, store.TxFunc[billingrun.Tx](st))
		b.ResetTimer()
		stop := make(chan struct{})
		var run billing.Run
		var runErr error
		start := time.Now()
		go func() {
			defer close(stop)
			run, runErr = svc.RunBilling(ctx, p, billingrun.Options{Period: billing.Month{Year: 2026, Month: time.March},
				AsOf: time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC), Customers: chunk})
		}()
		during, failed := phase(stop, 0)
		took := time.Since(start)
		b.StopTimer()
		if runErr != nil {
			b.Fatal(runErr)
		}
		if len(base) == 0 || len(during) == 0 {
			b.Fatalf("no order placed: %d before the run, %d during it (%d and %d failed)", len(base), len(during), baseFailed, failed)
		}
		b50, b99 := percentiles(base)
		d50, d99 := percentiles(during)
		b.ReportMetric(ms(b50), "base-ms-p50")
		b.ReportMetric(ms(b99), "base-ms-p99")
		b.ReportMetric(ms(d50), "ms-p50")
		b.ReportMetric(ms(d99), "ms-p99")
		b.ReportMetric(float64(failed+baseFailed), "failed")
		b.ReportMetric(took.Seconds(), "s/run")
		b.Logf("%s: %d subscriptions billed in chunks of %d customers in %s (%d invoices); %d orders placed meanwhile by %d customers, p50 %.1f ms p99 %.1f ms, %d failed; before the run p50 %.1f ms p99 %.1f ms (%d failed)",
			engine, run.Subscriptions, chunk, took.Round(time.Millisecond), run.Invoices, len(during), ordersDuringRunClients, ms(d50), ms(d99), failed, ms(b50), ms(b99), baseFailed)
	}
}

// percentiles is the p50 and p99 of ds.
func percentiles(ds []time.Duration) (p50, p99 time.Duration) {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2], s[min(len(s)-1, len(s)*99/100)]
}
