package dispatch_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
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

// TestSlowEndpointKeepsAnEighth: an endpoint that answers (2xx) but takes
// over a second holds its whole share (32 requests) only until its first
// answers come back; from then on it has at most an eighth of it (4) in
// flight, leaving the slots to the endpoints that answer at once.
func TestSlowEndpointKeepsAnEighth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		w := storetest.NewWorld(t, st)
		var (
			mu                  sync.Mutex
			inflight, answered  int
			maxAfterFirstAnswer int
		)
		slow := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			mu.Lock()
			inflight++
			if answered > 0 {
				maxAfterFirstAnswer = max(maxAfterFirstAnswer, inflight)
			}
			mu.Unlock()
			time.Sleep(1200 * time.Millisecond)
			mu.Lock()
			inflight--
			answered++
			mu.Unlock()
			rw.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(slow.Close)
		secret, _ := webhook.NewSecret()
		if _, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: slow.URL, Secret: secret}); err != nil {
			t.Fatal(err)
		}
		for range 80 {
			if _, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil {
				t.Fatal(err)
			}
		}
		d := dispatch.New(st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true, PerEndpoint: 32})
		run, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = d.Run(run); close(done) }()
		t.Cleanup(func() { stop(); <-done })
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			n := answered
			mu.Unlock()
			if n >= 32+3*4 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d answers in a minute", n)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		// The first wave's stragglers may still be in flight when the
		// first answer is counted: what matters is that no new wave of 32
		// follows.
		if maxAfterFirstAnswer > 32/8+4 {
			t.Errorf("%d requests in flight to the slow endpoint after its first answers, want at most %d", maxAfterFirstAnswer, 32/8+4)
		}
	})
}
