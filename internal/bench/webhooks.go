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
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// Webhooks measures durable delivery on engine: N lifecycle events waiting
// in the outbox are claimed, signed, posted to a receiver on loopback and
// recorded as delivered. The baseline, measured in the same run against the
// same receiver, signs and posts the same number of notifications with the
// same concurrency and no storage at all. Run it with a fixed count
// (-benchtime=20000x): the outbox is filled before the timer starts.
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
	// The outbox: N events, spread over subscriptions as real traffic is
	// (each subscription's events go out in order, one at a time).
	const perSubscription = 4
	orders := app.Ordering(st)
	var subs []int64
	for len(subs)*perSubscription < b.N() {
		o, err := orders.PlaceOrder(context.Background(), w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1})
		if err != nil {
			b.Fatal(err)
		}
		subs = append(subs, o.SubscriptionID)
	}
	created := len(subs)
	for i := 0; created < b.N(); i++ {
		// Events beyond each CREATED: seat changes (MODIFIED).
		qty := int64(2 + i/len(subs))
		if _, err := orders.Change(context.Background(), w.C1.Principal, subs[i%len(subs)], subscription.Change{Quantity: &qty}); err != nil {
			b.Fatal(err)
		}
		created++
	}
	pending, _, err := st.DeliveryCounts(context.Background())
	if err != nil || pending != int64(b.N()) {
		b.Fatalf("%d deliveries pending, want %d (%v)", pending, b.N(), err)
	}

	d := dispatch.New(st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true, Loops: 3, Batch: 512, Workers: benchWorkers})
	b.ResetTimer()
	start := time.Now()
	run, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = d.Run(run) })
	for {
		_, delivered, err := st.DeliveryCounts(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if delivered == int64(b.N()) {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	durable := time.Since(start)
	b.StopTimer()
	stop()
	wg.Wait()

	// The baseline: sign and post as many notifications, no storage.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 3 * benchWorkers, MaxIdleConns: 3 * benchWorkers}}
	ev := subscription.Event{ID: 1, Entity: "Subscription", EntityID: 1, Type: "MODIFIED", OccurredAt: time.Now()}
	jobs := make(chan int64)
	start = time.Now()
	var bw sync.WaitGroup
	for range 3 * benchWorkers {
		bw.Go(func() {
			for id := range jobs {
				ev.ID = id
				body, _ := dispatch.Body(ev)
				req, _ := http.NewRequest(http.MethodPost, recv.URL+"/baseline", bytes.NewReader(body))
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
	for i := range b.N() {
		jobs <- int64(i)
	}
	close(jobs)
	bw.Wait()
	baseline := time.Since(start)

	durableRate := float64(b.N()) / durable.Seconds()
	baseRate := float64(b.N()) / baseline.Seconds()
	b.ReportMetric(durableRate, "events/s")
	b.ReportMetric(baseRate, "baseline-posts/s")
	b.ReportMetric(100*durableRate/baseRate, "%-of-baseline")
	b.Logf("%s: %d events durably delivered at %.0f/s; signed POSTs without storage %.0f/s: %.1f%% of the baseline",
		engine, b.N(), durableRate, baseRate, 100*durableRate/baseRate)
}
