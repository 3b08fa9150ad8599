package dispatch_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// TestHangingEndpointIsolated replays the audit's attack from the
// attacker's side: vendor A floods its own endpoint, which never answers,
// with sandbox orders of its product, while vendor B's healthy endpoint
// receives its customers' events. B's delivery latency under the flood is
// compared with a baseline measured in the same run, before the flood: a
// hanging endpoint may hold its own share of the dispatcher, not B's.
func TestHangingEndpointIsolated(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		orders := app.Ordering(st)
		release := make(chan struct{})
		hang := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select { // until the dispatcher gives up on it, or the test ends
			case <-r.Context().Done():
			case <-release:
			}
		}))
		t.Cleanup(func() { close(release); hang.Close() })

		var (
			mu      sync.Mutex
			arrived = map[int64]time.Time{} // B's subscription → when its CREATED arrived
		)
		fast := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if n, err := webhook.Parse(body); err == nil && n.Type == webhook.TypeCreated {
				mu.Lock()
				arrived[n.ID] = time.Now()
				mu.Unlock()
			}
			rw.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(fast.Close)
		for _, e := range []struct {
			p    mercato.Principal
			prod int64
			url  string
		}{{w.VendorA.Principal, w.ProductA.ID, hang.URL}, {w.VendorB.Principal, w.ProductB.ID, fast.URL}} {
			secret, _ := webhook.NewSecret()
			if _, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).CreateEndpoint(ctx, e.p, syndication.Endpoint{ProductID: &e.prod, URL: e.url, Secret: secret}); err != nil {
				t.Fatal(err)
			}
		}

		d := dispatch.New(st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true, Timeout: 2 * time.Second})
		st.OnEvents(d.Wake)
		run, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = d.Run(run); close(done) }()
		t.Cleanup(func() { stop(); <-done })

		// B's latency: orders placed one by one, each event timed from its
		// commit (PlaceOrder's return) to its arrival: the dispatcher's share
		// is what is measured, not the wait for SQLite's single writer that
		// any tenant's writes cause B's own order (a matter of write rates).
		latencies := func(n int) []time.Duration {
			t.Helper()
			var out []time.Duration
			for range n {
				o, err := orders.PlaceOrder(ctx, w.C2.Principal, subscription.OrderRequest{PlanID: w.PlanB.ID, Quantity: 1})
				if err != nil {
					t.Fatal(err)
				}
				start := time.Now()
				deadline := start.Add(30 * time.Second)
				for {
					mu.Lock()
					at, ok := arrived[o.SubscriptionID]
					mu.Unlock()
					if ok {
						out = append(out, max(at.Sub(start), 0)) // it may arrive before PlaceOrder returns
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("vendor B's event for subscription %d never arrived", o.SubscriptionID)
					}
					time.Sleep(time.Millisecond)
				}
			}
			slices.Sort(out)
			return out
		}
		baseline := latencies(20)

		// The flood: vendor A's sandbox orders of its own product, each a
		// delivery to the endpoint that hangs, 200 at once and more while
		// B's events are timed.
		flood := func() {
			if _, err := orders.PlaceOrder(ctx, w.VendorA.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil && ctx.Err() == nil {
				t.Error(err)
			}
		}
		for range 200 {
			flood()
		}
		flooding, stopFlood := context.WithCancel(ctx)
		var flooder sync.WaitGroup
		flooder.Go(func() {
			for flooding.Err() == nil {
				flood()
				time.Sleep(5 * time.Millisecond)
			}
		})
		defer func() { stopFlood(); flooder.Wait() }() // also when a check below fails
		attacked := latencies(20)
		p50 := func(d []time.Duration) time.Duration { return d[len(d)/2] }
		p90 := func(d []time.Duration) time.Duration { return d[len(d)*9/10] }
		t.Logf("vendor B's latency: p50 %s, p90 %s before the flood; p50 %s, p90 %s during it", p50(baseline), p90(baseline), p50(attacked), p90(attacked))
		// Before the pipeline, each claimed batch waited for A's hanging
		// requests, and B's events with it: seconds instead of milliseconds.
		for _, c := range []struct {
			name     string
			pct      func([]time.Duration) time.Duration
			headroom time.Duration
		}{{"p50", p50, 250 * time.Millisecond}, {"p90", p90, 500 * time.Millisecond}} {
			if limit := max(10*c.pct(baseline), c.headroom); c.pct(attacked) > limit {
				t.Errorf("vendor B's %s latency %s under the flood, %s before it (limit %s)", c.name, c.pct(attacked), c.pct(baseline), limit)
			}
		}
	})
}
