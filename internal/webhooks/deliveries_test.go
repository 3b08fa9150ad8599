package webhooks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
)

func TestDeliveries(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "replays name an event or a time range", Run: testReplay},
		{Name: "the delivery log of an unseen endpoint is not found", Run: testAttempts},
		{Name: "delivery counts are the platform's", Run: testDeliveryCounts},
	})
}

// delivered endpoint e's deliveries as the dispatcher does after a 2xx,
// with an attempt each.
func delivered(t *testing.T, st *store.Store, e syndication.Endpoint) {
	t.Helper()
	due, err := st.ClaimDeliveries(ctx, 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var results []store.Result
	for _, d := range due {
		if d.Endpoint.ID == e.ID {
			results = append(results, store.Result{Delivered: true, Attempt: syndication.Attempt{DeliveryID: d.ID, EndpointID: e.ID, EventID: d.Event.ID, AttemptedAt: st.Now(), StatusCode: 204}})
		}
	}
	if err := st.RecordResults(ctx, results); err != nil {
		t.Fatal(err)
	}
}

func testReplay(t *testing.T, st *store.Store, w *storetest.World) {
	hooks := service(t, st)
	e, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://h.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	start := st.Now()
	if _, err := ordering.New(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	delivered(t, st, e)
	if status, _, _ := delivery(t, st, e.ID); status != "delivered" {
		t.Fatalf("delivery %s", status)
	}
	var eventID int64
	if err := st.DB().QueryRow(`SELECT event_id FROM deliveries WHERE endpoint_id = $1`, e.ID).Scan(&eventID); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		r    syndication.Replay
	}{
		{"nothing named", syndication.Replay{}},
		{"from only", syndication.Replay{From: start}},
		{"to only", syndication.Replay{To: start}},
		{"an empty range", syndication.Replay{From: start, To: start}},
		{"a range backwards", syndication.Replay{From: start.Add(time.Hour), To: start}},
		{"a negative event", syndication.Replay{EventID: -1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			unchanged(t, st, func() {
				_, err := hooks.Replay(ctx, w.VendorA.Principal, e.ID, c.r)
				mustCode(t, err, mercato.EINVALID)
				if f := mercato.Fields(err); len(f) != 1 || f[0].Path != "event_id" {
					t.Fatalf("fields %+v", f)
				}
			})
		})
	}
	// An event the endpoint never had is not found, and not sent anew.
	unchanged(t, st, func() {
		_, err := hooks.Replay(ctx, w.VendorA.Principal, e.ID, syndication.Replay{EventID: eventID + 1000})
		mustCode(t, err, mercato.ENOTFOUND)
		if !strings.Contains(err.Error(), "was never sent to endpoint") {
			t.Fatalf("message %q", err)
		}
	})
	// A range without deliveries replays nothing, without error.
	if n, err := hooks.Replay(ctx, w.VendorA.Principal, e.ID, syndication.Replay{From: start.Add(-2 * time.Hour), To: start.Add(-time.Hour)}); err != nil || n != 0 {
		t.Fatalf("empty range: %d %v", n, err)
	}
	if n, err := hooks.Replay(ctx, w.VendorA.Principal, e.ID, syndication.Replay{EventID: eventID}); err != nil || n != 1 {
		t.Fatalf("replay of the event: %d %v", n, err)
	}
	if status, _, next := delivery(t, st, e.ID); status != "pending" || next > st.Now().UnixMicro() {
		t.Fatalf("replayed delivery %s, due %d", status, next)
	}
	delivered(t, st, e)
	if n, err := hooks.Replay(ctx, w.Platform.Principal, e.ID, syndication.Replay{From: start, To: st.Now().Add(time.Second)}); err != nil || n != 1 {
		t.Fatalf("replay of the range: %d %v", n, err)
	}
}

func testAttempts(t *testing.T, st *store.Store, w *storetest.World) {
	hooks := service(t, st)
	e, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://h.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ordering.New(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	delivered(t, st, e)
	for _, c := range []struct {
		name string
		p    mercato.Principal
		f    webhooks.AttemptFilter
		want string
		n    int
	}{
		{"the owner, of the endpoint", w.VendorA.Principal, webhooks.AttemptFilter{EndpointID: e.ID}, "", 1},
		{"the owner, every endpoint", w.VendorA.Principal, webhooks.AttemptFilter{}, "", 1},
		{"the platform", w.Platform.Principal, webhooks.AttemptFilter{EndpointID: e.ID}, "", 1},
		{"another vendor, of the endpoint", w.VendorB.Principal, webhooks.AttemptFilter{EndpointID: e.ID}, mercato.ENOTFOUND, 0},
		{"another vendor, every endpoint", w.VendorB.Principal, webhooks.AttemptFilter{}, "", 0},
		{"the customer, of the endpoint", w.C1.Principal, webhooks.AttemptFilter{EndpointID: e.ID}, mercato.ENOTFOUND, 0},
		{"an endpoint that is not", w.VendorA.Principal, webhooks.AttemptFilter{EndpointID: e.ID + 100}, mercato.ENOTFOUND, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, _, err := hooks.ListAttempts(ctx, c.p, c.f, mercato.Page{})
			mustCode(t, err, c.want)
			if len(got) != c.n || (c.n > 0 && (got[0].StatusCode != 204 || got[0].EndpointID != e.ID)) {
				t.Fatalf("attempts %+v", got)
			}
		})
	}
}

func testDeliveryCounts(t *testing.T, st *store.Store, w *storetest.World) {
	hooks := service(t, st)
	if _, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://h.example.org"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ordering.New(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []mercato.Principal{w.VendorA.Principal, w.C1.Principal, w.D1.Principal} {
		_, _, err := hooks.DeliveryCounts(ctx, p)
		mustCode(t, err, mercato.EFORBIDDEN)
	}
	pending, done, err := hooks.DeliveryCounts(ctx, w.Platform.Principal)
	if err != nil || pending != 1 || done != 0 {
		t.Fatalf("counts %d pending, %d delivered, %v", pending, done, err)
	}
	// The events the platform sees are every event; the vendor's those of
	// its subscriptions.
	all, _, err := hooks.ListEvents(ctx, w.Platform.Principal, webhooks.EventFilter{}, mercato.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	subs, _, err := hooks.ListEvents(ctx, w.VendorB.Principal, webhooks.EventFilter{Entity: subscription.EntitySubscription}, mercato.Page{Limit: 200})
	if err != nil || len(all) == 0 || len(subs) != 0 {
		t.Fatalf("events: platform %d, vendor B %d %v", len(all), len(subs), err)
	}
}
