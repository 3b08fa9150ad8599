package webhooks_test

import (
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/syndication"
)

func TestHealth(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "failing and disabled endpoints come first, with their last error and next try", Run: testHealth},
	})
}

// attempt records an attempt of every due delivery, as the dispatcher
// does: a 204 for healthy, a 500 for the others, retried at next, and
// gone disabled.
func attempt(t *testing.T, st *store.Store, healthy, gone int64, next time.Time) {
	t.Helper()
	due, err := st.ClaimDeliveries(ctx, 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var results []store.Result
	for _, d := range due {
		a := syndication.Attempt{DeliveryID: d.ID, EndpointID: d.Endpoint.ID, EventID: d.Event.ID, AttemptedAt: st.Now(), StatusCode: 500, Error: "server error"}
		r := store.Result{NextAttempt: next, Event: d.Event, Attempt: a}
		switch d.Endpoint.ID {
		case healthy:
			r.Attempt.StatusCode, r.Attempt.Error, r.Delivered = 204, "", true
		case gone:
			r.Disable = "answered 410 Gone"
		}
		results = append(results, r)
	}
	if len(results) != 3 {
		t.Fatalf("%d deliveries due, want 3", len(results))
	}
	if err := st.RecordResults(ctx, results); err != nil {
		t.Fatal(err)
	}
}

func testHealth(t *testing.T, st *store.Store, w *storetest.World) {
	hooks, healthy := vendorEndpoint(t, st, w)
	failing, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://failing.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	gone, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://gone.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1)
	retry := st.Now().Add(10 * time.Minute).Truncate(time.Microsecond)
	attempt(t, st, healthy.ID, gone.ID, retry)

	hs, err := hooks.Health(ctx, w.Platform.Principal)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 3 || !hs[0].Trouble() || !hs[1].Trouble() || hs[2].Trouble() || hs[2].Endpoint.ID != healthy.ID {
		t.Fatalf("health %+v: want the two in trouble first", hs)
	}
	for _, h := range hs[:2] {
		if h.Last.StatusCode != 500 || h.Last.Error != "server error" || h.Pending != 1 {
			t.Errorf("endpoint %s: last %+v, %d pending", h.Endpoint.URL, h.Last, h.Pending)
		}
		if h.Endpoint.ID == failing.ID && (!h.Endpoint.Enabled || !h.NextAttempt.Equal(retry)) {
			t.Errorf("failing endpoint: enabled %v, next try %v, want %v", h.Endpoint.Enabled, h.NextAttempt, retry)
		}
		if h.Endpoint.ID == gone.ID && h.Endpoint.Enabled {
			t.Errorf("gone endpoint still enabled")
		}
		if h.Endpoint.Secret != "" {
			t.Errorf("health shows a secret")
		}
	}
	if hs[2].Pending != 0 || hs[2].Last.StatusCode != 204 {
		t.Errorf("healthy endpoint: %+v", hs[2])
	}
	for _, p := range []mercato.Principal{w.VendorA.Principal, w.C1.Principal, w.R1.Principal} {
		_, err := hooks.Health(ctx, p)
		storetest.MustCode(t, err, mercato.EFORBIDDEN)
	}
}
