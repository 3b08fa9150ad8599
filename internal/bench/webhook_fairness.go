package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
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

// The fairness benchmarks run one dispatcher (serve's configuration) for
// the whole run and alternate a baseline phase with a measured phase, each
// on an outbox filled while every endpoint is disabled (the timer stopped),
// then released by enabling the phase's endpoints at once. A phase ends when
// its fast endpoints have received all of its events; the ratio compares
// their rates in the two kinds of phase.

// fairRounds is how many baseline and measured phases alternate.
const fairRounds = 3

// fairSubscriptions spreads a phase's events over this many subscriptions:
// each subscription's events go out in order, one at a time per endpoint.
const fairSubscriptions = 256

// Slowness is what the odd endpoint of WebhookFairness does.
type Slowness int

// The odd endpoint answers after 2 s, or never (past the dispatcher's timeout).
const (
	Slow2s Slowness = iota
	Hanging
)

// Name names the case in a benchmark's name.
func (s Slowness) Name() string {
	if s == Hanging {
		return "hanging"
	}
	return "slow2s"
}

func (s Slowness) String() string {
	if s == Hanging {
		return fmt.Sprintf("past the %s timeout", syndication.Timeout)
	}
	return "in 2 s"
}

// WebhookFairness measures ten endpoints of which one answers slowly (or
// never): the nine fast endpoints' delivery rate, against their rate when
// the odd one is not there (disabled: it gets no share), in the same run.
// N is the events of each phase; each goes to every enabled endpoint.
func WebhookFairness(engine store.Engine, odd Slowness) func(b B) {
	return func(b B) { benchFairness(b, engine, odd) }
}

func benchFairness(b B, engine store.Engine, odd Slowness) {
	h := newHarness(b, engine)
	fast := make([]int64, 9)
	for i := range fast {
		fast[i] = h.endpoint(h.w.VendorA.Principal, nil, fmt.Sprintf("/fast/%d", i))
	}
	oddPath := "/slow"
	if odd == Hanging {
		oddPath = "/hang"
	}
	slow := h.endpoint(h.w.VendorA.Principal, nil, oddPath)
	subs := h.subscriptions(h.w.C1.Principal, h.w.PlanA.ID, fairSubscriptions)
	h.start()

	baseline := func() time.Duration { return h.phase(fast, subs, b.N(), 9*int64(b.N()), "/fast/") }
	measured := func() time.Duration {
		b.StartTimer()
		defer b.StopTimer()
		return h.phase(append([]int64{slow}, fast...), subs, b.N(), 9*int64(b.N()), "/fast/")
	}
	base, meas := h.interleave(baseline, measured)
	h.stop()

	n := float64(9 * b.N() * fairRounds)
	baseRate, rate := n/base.Seconds(), n/meas.Seconds()
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(baseRate, "baseline/s")
	b.ReportMetric(100*rate/baseRate, "%-of-baseline")
	b.Logf("%s: nine fast endpoints with a tenth answering %s: %.0f deliveries/s; without it %.0f/s: %.1f%% (the odd one received %d)",
		engine, odd, rate, baseRate, 100*rate/baseRate, h.received(oddPath))
}

// WebhookFanout measures 1,000 endpoints against one: N deliveries to a
// single endpoint (N events) against N deliveries spread over 1,000
// endpoints (N/1,000 events, each to all of them), in the same run.
func WebhookFanout(engine store.Engine) func(b B) {
	return func(b B) { benchFanout(b, engine) }
}

const fanoutEndpoints = 1000

func benchFanout(b B, engine store.Engine) {
	h := newHarness(b, engine)
	productB := h.w.ProductB.ID
	one := h.endpoint(h.w.VendorB.Principal, &productB, "/one")
	many := make([]int64, fanoutEndpoints)
	for i := range many {
		many[i] = h.endpoint(h.w.VendorA.Principal, nil, fmt.Sprintf("/many/%d", i))
	}
	perPhase := max(b.N()/fanoutEndpoints, 1)
	deliveries := perPhase * fanoutEndpoints
	subsB := h.subscriptions(h.w.C2.Principal, h.w.PlanB.ID, fairSubscriptions)
	subsA := h.subscriptions(h.w.C1.Principal, h.w.PlanA.ID, perPhase)
	h.start()

	baseline := func() time.Duration {
		return h.phase([]int64{one}, subsB, deliveries, int64(deliveries), "/one")
	}
	measured := func() time.Duration {
		b.StartTimer()
		defer b.StopTimer()
		return h.phase(many, subsA, perPhase, int64(deliveries), "/many/")
	}
	base, meas := h.interleave(baseline, measured)
	h.stop()

	n := float64(deliveries * fairRounds)
	baseRate, rate := n/base.Seconds(), n/meas.Seconds()
	b.ReportMetric(rate, "deliveries/s")
	b.ReportMetric(baseRate, "baseline/s")
	b.ReportMetric(100*rate/baseRate, "%-of-baseline")
	b.Logf("%s: %d deliveries over %d endpoints at %.0f/s; to one endpoint %.0f/s: %.1f%%",
		engine, deliveries, fanoutEndpoints, rate, baseRate, 100*rate/baseRate)
}

// harness is a store, a receiver counting what each path receives, the
// benchmark's endpoints and one dispatcher running throughout.
type harness struct {
	b       B
	st      *store.Store
	w       *storetest.World
	hooks   *webhooks.Service
	recv    *httptest.Server
	release chan struct{} // closed to let the hanging endpoint answer
	all     []int64       // every endpoint, disabled between phases

	mu     sync.Mutex
	counts map[string]*atomic.Int64 // path prefix → requests received

	d    *dispatch.Dispatcher
	stop func()
}

func newHarness(b B, engine store.Engine) *harness {
	st := storetest.Open(b, engine)
	h := &harness{b: b, st: st, w: storetest.NewWorld(b, st), hooks: webhooks.New(st, store.TxFunc[webhooks.Tx](st)),
		release: make(chan struct{}), counts: map[string]*atomic.Int64{}}
	h.recv = httptest.NewServer(http.HandlerFunc(h.serve))
	b.Cleanup(func() { h.unblock(); h.recv.Close() })
	return h
}

// serve answers at once, except on /slow (after 2 s) and /hang (when the
// dispatcher gives up, or the benchmark ends).
func (h *harness) serve(rw http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	switch r.URL.Path {
	case "/slow":
		select {
		case <-time.After(2 * time.Second):
		case <-h.release:
		}
	case "/hang":
		select {
		case <-r.Context().Done():
			return
		case <-h.release:
		}
	}
	h.counter(r.URL.Path).Add(1)
	rw.WriteHeader(http.StatusNoContent)
}

// counter is the count of path's group: "/fast/3" counts under "/fast/".
func (h *harness) counter(path string) *atomic.Int64 {
	if i := strings.LastIndexByte(path, '/'); i > 0 {
		path = path[:i+1]
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.counts[path]
	if c == nil {
		c = &atomic.Int64{}
		h.counts[path] = c
	}
	return c
}

func (h *harness) received(path string) int64 { return h.counter(path).Load() }

func (h *harness) unblock() {
	select {
	case <-h.release:
	default:
		close(h.release)
	}
}

// endpoint creates an endpoint (disabled at once) receiving at path.
func (h *harness) endpoint(p mercato.Principal, product *int64, path string) int64 {
	secret, _ := webhook.NewSecret()
	e, err := h.hooks.CreateEndpoint(context.Background(), p, syndication.Endpoint{ProductID: product, URL: h.recv.URL + path, Secret: secret})
	if err != nil {
		h.b.Fatal(err)
	}
	h.all = append(h.all, e.ID)
	h.enable(false, e.ID)
	return e.ID
}

// enable switches endpoints on or off in one statement, as the benchmark's
// gate: disabled endpoints receive deliveries but nothing is claimed for
// them.
func (h *harness) enable(on bool, ids ...int64) {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprint(&b, id)
	}
	if _, err := h.st.DB().ExecContext(context.Background(), `UPDATE webhook_endpoints SET enabled = $1 WHERE id IN (`+b.String()+`)`, on); err != nil {
		h.b.Fatal(err)
	}
}

// subscriptions places n orders and returns their subscriptions.
func (h *harness) subscriptions(p mercato.Principal, plan int64, n int) []int64 {
	orders := app.Ordering(h.st)
	out := make([]int64, 0, n)
	for range n {
		o, err := orders.PlaceOrder(context.Background(), p, subscription.OrderRequest{PlanID: plan, Quantity: 1})
		if err != nil {
			h.b.Fatal(err)
		}
		out = append(out, o.SubscriptionID)
	}
	return out
}

// start runs serve's dispatcher until stop; the orders' events are
// delivered first, so that phases start on an empty outbox.
func (h *harness) start() {
	h.enable(true, h.all...)
	h.d = dispatch.New(h.st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true})
	run, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = h.d.Run(run); close(done) }()
	h.stop = func() { h.unblock(); cancel(); <-done }
	h.b.Cleanup(func() {
		select {
		case <-done:
		default:
			h.stop()
		}
	})
	h.waitDelivered()
	h.enable(false, h.all...)
}

// waitDelivered waits until nothing but the odd endpoints' deliveries is
// pending.
func (h *harness) waitDelivered() {
	h.waitPending("e.url NOT LIKE '%/slow' AND e.url NOT LIKE '%/hang'")
}

// waitPending waits until no delivery to the endpoints that match where
// (a condition on e, the endpoint) is pending.
func (h *harness) waitPending(where string, args ...any) {
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(time.Millisecond) {
		var n int64
		err := h.st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.status = 'pending' AND `+where, args...).Scan(&n)
		if err != nil {
			h.b.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.b.Fatalf("%d deliveries still pending after 5 minutes", n)
		}
	}
}

// phase records events on subs (round robin) while every endpoint is
// disabled, enables the phase's endpoints and times until the endpoints
// under counted have received want more requests; it disables them again.
func (h *harness) phase(enabled, subs []int64, events int, want int64, counted string) time.Duration {
	ctx := context.Background()
	const perTx = 500
	for done := 0; done < events; done += perTx {
		err := h.st.InTx(ctx, func(tx *store.Tx) error {
			for i := done; i < min(done+perTx, events); i++ {
				if err := tx.RecordEvent(ctx, subscription.EntitySubscription, subs[i%len(subs)], subscription.EventModified, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			h.b.Fatal(err)
		}
	}
	c := h.counter(counted)
	target := c.Load() + want
	start := time.Now()
	h.enable(true, enabled...)
	h.d.Wake()
	for deadline := start.Add(5 * time.Minute); c.Load() < target; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			h.b.Fatalf("%d of %d deliveries to %s after 5 minutes", c.Load()-target+want, want, counted)
		}
	}
	took := time.Since(start)
	h.enable(false, enabled...)
	// A request is counted before its result is saved: wait for that.
	h.waitPending("e.url LIKE $1", "%"+counted+"%")
	return took
}

// interleave runs fairRounds baseline and measured phases, alternating
// which comes first, and returns the total time of each kind.
func (h *harness) interleave(baseline, measured func() time.Duration) (base, meas time.Duration) {
	h.b.StopTimer()
	h.b.ResetTimer()
	for round := range fairRounds {
		if round%2 == 0 {
			base += baseline()
			meas += measured()
		} else {
			meas += measured()
			base += baseline()
		}
	}
	return base, meas
}
