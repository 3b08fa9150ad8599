package bench

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// Webhooks measures durable delivery on engine: N lifecycle events waiting
// in the outbox are claimed, signed, posted to a receiver on loopback and
// recorded as delivered. The baseline signs and posts the same number of
// notifications to the same receiver with the same concurrency and no
// storage at all. The two alternate in fairRounds phases of N/fairRounds
// events each (the outbox of each durable phase is filled before its timer
// starts), so that the machine's drift weighs on both alike. Run it with a
// fixed count (-benchtime=20000x).
func Webhooks(engine store.Engine) func(b B) {
	return func(b B) { benchWebhooks(b, engine) }
}

const benchWorkers = 64

func benchWebhooks(b B, engine store.Engine) {
	st := storetest.Open(b, engine)
	w := storetest.NewWorld(b, st)
	var received atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received.Add(1)
		rw.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	secret, _ := webhook.NewSecret()
	if _, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).CreateEndpoint(context.Background(), w.VendorA.Principal, syndication.Endpoint{URL: recv.URL + "/hooks", Secret: secret}); err != nil {
		b.Fatal(err)
	}
	o := &outbox{b: b, orders: app.Ordering(st), customer: w.C1.Principal, plan: w.PlanA.ID}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 3 * benchWorkers, MaxIdleConns: 3 * benchWorkers}}
	b.StopTimer()
	b.ResetTimer()
	var durable, baseline time.Duration
	var posted int
	for round := range fairRounds {
		n := b.N() / fairRounds
		if round < b.N()%fairRounds {
			n++
		}
		if round%2 == 0 {
			durable += deliverDurably(b, st, o, n)
			baseline += postBare(b, client, recv.URL+"/baseline", secret, posted, n)
		} else {
			baseline += postBare(b, client, recv.URL+"/baseline", secret, posted, n)
			durable += deliverDurably(b, st, o, n)
		}
		posted += n
	}
	if got, want := received.Load(), int64(2*b.N()); got != want {
		b.Fatalf("the receiver counted %d requests, want %d", got, want)
	}

	durableRate := float64(b.N()) / durable.Seconds()
	baseRate := float64(b.N()) / baseline.Seconds()
	b.ReportMetric(durableRate, "events/s")
	b.ReportMetric(baseRate, "baseline-posts/s")
	b.ReportMetric(100*durableRate/baseRate, "%-of-baseline")
	b.Logf("%s: %d events durably delivered at %.0f/s; signed POSTs without storage %.0f/s: %.1f%% of the baseline",
		engine, b.N(), durableRate, baseRate, 100*durableRate/baseRate)
}

// outbox fills the outbox with events spread over subscriptions as real
// traffic is (each subscription's events go out in order, one at a time):
// a CREATED for a new order, then seat changes (MODIFIED) of the last
// orders.
type outbox struct {
	b        B
	orders   *ordering.Service
	customer mercato.Principal
	plan     int64
	subs     []int64 // this phase's subscriptions
}

// perSubscription is how many events each subscription of a phase has.
const perSubscription = 4

func (o *outbox) fill(n int) {
	ctx := context.Background()
	o.subs = o.subs[:0]
	for len(o.subs)*perSubscription < n {
		or, err := o.orders.PlaceOrder(ctx, o.customer, subscription.OrderRequest{PlanID: o.plan, Quantity: 1})
		if err != nil {
			o.b.Fatal(err)
		}
		o.subs = append(o.subs, or.SubscriptionID)
	}
	for i, made := 0, len(o.subs); made < n; i, made = i+1, made+1 {
		qty := int64(2 + i/len(o.subs))
		if _, err := o.orders.Change(ctx, o.customer, o.subs[i%len(o.subs)], subscription.Change{Quantity: &qty}); err != nil {
			o.b.Fatal(err)
		}
	}
}

// deliverDurably fills the outbox with n events, then times a dispatcher
// delivering them all.
func deliverDurably(b B, st *store.Store, o *outbox, n int) time.Duration {
	ctx := context.Background()
	_, before, err := st.DeliveryCounts(ctx)
	if err != nil {
		b.Fatal(err)
	}
	o.fill(n)
	if pending, _, err := st.DeliveryCounts(ctx); err != nil || pending != int64(n) {
		b.Fatalf("%d deliveries pending, want %d (%v)", pending, n, err)
	}
	d := dispatch.New(st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true, Loops: 3, Batch: 512, Workers: benchWorkers})
	b.StartTimer()
	start := time.Now()
	run, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Run(run) })
	for {
		_, delivered, err := st.DeliveryCounts(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if delivered == before+int64(n) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	took := time.Since(start)
	b.StopTimer()
	stop()
	wg.Wait()
	return took
}

// postBare signs and posts n notifications (event IDs from first on) with
// the dispatcher's concurrency and no storage.
func postBare(b B, client *http.Client, url, secret string, first, n int) time.Duration {
	jobs := make(chan int64)
	start := time.Now()
	var bw sync.WaitGroup
	for range 3 * benchWorkers {
		bw.Go(func() {
			for id := range jobs {
				ev := subscription.Event{ID: id, Entity: "Subscription", EntityID: 1, Type: "MODIFIED", OccurredAt: start}
				body, _ := dispatch.Body(ev)
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json; charset=utf-8")
				_ = webhook.Sign(req.Header, []string{secret}, syndication.MessageID(id), time.Now(), body)
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
		})
	}
	for i := range n {
		jobs <- int64(first + i + 1)
	}
	close(jobs)
	bw.Wait()
	return time.Since(start)
}
