package dispatch_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// TestRetryAfterForeverDisables replays an endpoint that answers 429 with
// Retry-After to every attempt: once that has lasted as long as the retry
// schedule, the endpoint is disabled like any failing one, and its owner
// is told, instead of being retried forever.
func TestRetryAfterForeverDisables(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		// The schedule lasts 400 ms: shorter than the receiver's Retry-After
		// of 1 s, longer than the first attempt takes to come.
		r := newRig(t, st, dispatch.Config{Schedule: []time.Duration{200 * time.Millisecond, 200 * time.Millisecond}})
		r.recv.answer = func(webhook.Notification, int) int { return http.StatusTooManyRequests } // Retry-After: 1
		r.order(t)
		waitFor(t, r.d, 15*time.Second, func() bool {
			e, _ := r.st.Endpoint(ctx, r.w.VendorA.Principal, r.ep.ID)
			return !e.Enabled
		})
		attempts, _, _ := r.st.ListAttempts(ctx, r.w.VendorA.Principal, store.AttemptFilter{EndpointID: r.ep.ID}, store.Page{})
		if len(attempts) < 2 {
			t.Fatalf("%d attempts before disabling, want the first and at least one after its Retry-After", len(attempts))
		}
		for _, a := range attempts {
			if a.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("attempt answered %d, want 429", a.StatusCode)
			}
		}
		notes, err := r.st.ListNotifications(ctx, r.w.VendorA.Principal)
		if err != nil || len(notes) == 0 {
			t.Fatalf("owner not told: %v %v", notes, err)
		}
	})
}
