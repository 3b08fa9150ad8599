package webhooks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
)

var ctx = context.Background()

// service is the webhooks service over st, with the sealing keys loaded
// (the first load writes one), so that what a case counts is its own.
func service(t *testing.T, st *store.Store) *webhooks.Service {
	t.Helper()
	if err := st.LoadSecrets(ctx); err != nil {
		t.Fatal(err)
	}
	return webhooks.New(st, store.TxFunc[webhooks.Tx](st))
}

// vendorEndpoint is the service over st with vendor A's endpoint for all
// its products.
func vendorEndpoint(t *testing.T, st *store.Store, w *storetest.World) (*webhooks.Service, syndication.Endpoint) {
	t.Helper()
	hooks := service(t, st)
	e, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://h.example.org"})
	if err != nil {
		t.Fatal(err)
	}
	return hooks, e
}

func TestEndpoints(t *testing.T) {
	storetest.RunCases(t, []storetest.Case[*testing.T]{
		{Name: "who registers which endpoint", Run: testCreateWho},
		{Name: "endpoints validate their URL and filter", Run: testCreateValidation},
		{Name: "changes validate, disabling says why, enabling sends what waited", Run: testUpdate},
		{Name: "only the owner and the platform change an endpoint", Run: testChangeWho},
		{Name: "rotation keeps the old secret signing for the grace", Run: testRotation},
		{Name: "a demo endpoint is registered once, then re-pointed", Run: testPointProductEndpoint},
	})
}

func testCreateWho(t *testing.T, st *store.Store, w *storetest.World) {
	hooks := service(t, st)
	for _, c := range []struct {
		name      string
		p         mercato.Principal
		product   *int64
		owner     int64
		want      string // error code, "" for success
		wantOwner int64
	}{
		{"vendor, all its products", w.VendorA.Principal, nil, 0, "", w.VendorA.Org.ID},
		{"vendor, its product", w.VendorA.Principal, &w.ProductA.ID, 0, "", w.VendorA.Org.ID},
		{"vendor, its draft", w.VendorA.Principal, &w.DraftA.ID, 0, "", w.VendorA.Org.ID},
		{"vendor naming itself", w.VendorA.Principal, nil, w.VendorA.Org.ID, "", w.VendorA.Org.ID},
		{"platform, every event", w.Platform.Principal, nil, 0, "", w.Platform.Org.ID},
		{"platform for a vendor", w.Platform.Principal, nil, w.VendorB.Org.ID, "", w.VendorB.Org.ID},
		{"platform for a product: its vendor's", w.Platform.Principal, &w.ProductA.ID, 0, "", w.VendorA.Org.ID},
		{"platform for a product, another owner named", w.Platform.Principal, &w.ProductA.ID, w.C1.Org.ID, "", w.VendorA.Org.ID},
		{"another vendor's product", w.VendorB.Principal, &w.ProductA.ID, 0, mercato.EFORBIDDEN, 0},
		{"another vendor's unseen draft", w.VendorB.Principal, &w.DraftA.ID, 0, mercato.ENOTFOUND, 0},
		{"vendor naming another vendor", w.VendorA.Principal, nil, w.VendorB.Org.ID, mercato.EINVALID, 0},
		{"platform naming a customer", w.Platform.Principal, nil, w.C1.Org.ID, mercato.EINVALID, 0},
		{"platform naming no one", w.Platform.Principal, nil, 999999, mercato.EINVALID, 0},
		{"customer", w.C1.Principal, nil, 0, mercato.EFORBIDDEN, 0},
		{"customer, a published product", w.C1.Principal, &w.ProductA.ID, 0, mercato.EFORBIDDEN, 0},
		{"customer, an unseen draft", w.C1.Principal, &w.DraftA.ID, 0, mercato.ENOTFOUND, 0},
		{"reseller", w.R1.Principal, nil, 0, mercato.EFORBIDDEN, 0},
		{"distributor", w.D1.Principal, nil, 0, mercato.EFORBIDDEN, 0},
		{"vendor's viewer", storetest.Viewer(w.VendorA.Principal), nil, 0, mercato.EFORBIDDEN, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := syndication.Endpoint{ProductID: c.product, OwnerID: c.owner, URL: "https://hooks.example.org/" + c.name}
			if c.want != "" {
				storetest.Unchanged(t, st, func() {
					_, err := hooks.CreateEndpoint(ctx, c.p, e)
					storetest.MustCode(t, err, c.want)
				})
				return
			}
			got, err := hooks.CreateEndpoint(ctx, c.p, e)
			if err != nil {
				t.Fatal(err)
			}
			if got.OwnerID != c.wantOwner || !got.Enabled || !strings.HasPrefix(got.Secret, "whsec_") || got.ID == 0 {
				t.Fatalf("created %+v, want owner %d, enabled, with a new secret", got, c.wantOwner)
			}
			if read, err := st.Endpoint(ctx, w.Platform.Principal, got.ID); err != nil || read.Secret != got.Secret || read.OwnerID != c.wantOwner {
				t.Fatalf("read back %+v %v", read, err)
			}
		})
	}
	// A secret given is kept (the tests' receivers know theirs; a vendor
	// keeps its Cloudesire secret), and must be one that signs.
	for _, secret := range []string{"whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0", "a-cloudesire-secret-0123"} {
		got, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://hooks.example.org/given", Secret: secret})
		if err != nil || got.Secret != secret {
			t.Fatalf("given secret: %+v %v", got, err)
		}
	}
	for _, bad := range []string{"whsec_given", "short", "with a space in the middle"} {
		_, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://hooks.example.org/bad", Secret: bad})
		storetest.MustCode(t, err, mercato.EINVALID)
		if f := mercato.Fields(err); len(f) != 1 || f[0].Path != "secret" {
			t.Fatalf("secret %q: %v", bad, err)
		}
	}
}

func testCreateValidation(t *testing.T, st *store.Store, w *storetest.World) {
	hooks := service(t, st)
	for _, c := range []struct {
		name   string
		e      syndication.Endpoint
		fields []string
	}{
		{"no URL", syndication.Endpoint{}, []string{"url"}},
		{"unknown entity", syndication.Endpoint{URL: "https://h.example.org", Events: []string{"Order"}}, []string{"events[0]"}},
		{"unknown type", syndication.Endpoint{URL: "https://h.example.org", Events: []string{"Subscription", "Subscription.PAID"}}, []string{"events[1]"}},
		{"lower case", syndication.Endpoint{URL: "https://h.example.org", Events: []string{"subscription"}}, []string{"events[0]"}},
		{"both", syndication.Endpoint{Events: []string{"Invoice.", "User"}}, []string{"events[0]", "url"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// Bad input is refused before anything else, even to a
			// caller who may register nothing.
			for _, p := range []mercato.Principal{w.VendorA.Principal, w.C1.Principal} {
				storetest.Unchanged(t, st, func() {
					_, err := hooks.CreateEndpoint(ctx, p, c.e)
					storetest.MustCode(t, err, mercato.EINVALID)
					var paths []string
					for _, f := range mercato.Fields(err) {
						paths = append(paths, f.Path)
					}
					if fmt.Sprint(paths) != fmt.Sprint(c.fields) {
						t.Fatalf("fields %v, want %v", paths, c.fields)
					}
				})
			}
		})
	}
	if _, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://h.example.org", Events: []string{"Subscription.CREATED", "User", "ProductVersion.MODIFIED", "Invoice.DELETED"}}); err != nil {
		t.Fatal(err)
	}
}

// delivery reads the one delivery of an endpoint.
func delivery(t *testing.T, st *store.Store, endpointID int64) (status string, attempts int, next int64) {
	t.Helper()
	if err := st.DB().QueryRow(`SELECT status, attempts, next_attempt_at FROM deliveries WHERE endpoint_id = $1`, endpointID).Scan(&status, &attempts, &next); err != nil {
		t.Fatal(err)
	}
	return status, attempts, next
}

func testUpdate(t *testing.T, st *store.Store, w *storetest.World) {
	hooks, e := vendorEndpoint(t, st, w)
	empty, bad := "", []string{"Subscription.PAID"}
	for name, c := range map[string]syndication.EndpointChange{"empty URL": {URL: &empty}, "bad filter": {Events: &bad}} {
		t.Run(name, func(t *testing.T) {
			storetest.Unchanged(t, st, func() {
				_, err := hooks.UpdateEndpoint(ctx, w.VendorA.Principal, e.ID, c)
				storetest.MustCode(t, err, mercato.EINVALID)
			})
		})
	}
	url, events := "https://h.example.org/b", []string{"Subscription"}
	got, err := hooks.UpdateEndpoint(ctx, w.VendorA.Principal, e.ID, syndication.EndpointChange{URL: &url, Events: &events})
	if err != nil || got.URL != url || fmt.Sprint(got.Events) != "[Subscription]" || !got.Enabled || got.Secret != e.Secret {
		t.Fatalf("updated %+v %v", got, err)
	}

	// Disabled by its owner: the event of an order waits for it.
	off, on := false, true
	if got, err = hooks.UpdateEndpoint(ctx, w.VendorA.Principal, e.ID, syndication.EndpointChange{Enabled: &off}); err != nil || got.Enabled || got.DisabledReason != "disabled by its owner" {
		t.Fatalf("disabled %+v %v", got, err)
	}
	storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1)
	// As the dispatcher would leave it after failures, far in the future.
	if _, err := st.DB().Exec(`UPDATE deliveries SET attempts = 4, next_attempt_at = $1 WHERE endpoint_id = $2`, st.Now().Add(48*time.Hour).UnixMicro(), e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB().Exec(`UPDATE webhook_endpoints SET failing_since = 1 WHERE id = $1`, e.ID); err != nil {
		t.Fatal(err)
	}
	// Enabling clears the reason and the failure, and what waited is due
	// now with its attempts counted anew.
	before := st.Now()
	if got, err = hooks.UpdateEndpoint(ctx, w.VendorA.Principal, e.ID, syndication.EndpointChange{Enabled: &on}); err != nil || !got.Enabled || got.DisabledReason != "" || !got.FailingSince.IsZero() {
		t.Fatalf("enabled %+v %v", got, err)
	}
	status, attempts, next := delivery(t, st, e.ID)
	if status != "pending" || attempts != 0 || next < before.UnixMicro() || next > st.Now().UnixMicro() {
		t.Fatalf("after enabling: %s, %d attempts, due %d (enabled at %d)", status, attempts, next, before.UnixMicro())
	}
	// A reason known already (the dispatcher's) is kept.
	if _, err := st.DB().Exec(`UPDATE webhook_endpoints SET enabled = FALSE, disabled_reason = 'it answered 410 Gone' WHERE id = $1`, e.ID); err != nil {
		t.Fatal(err)
	}
	if got, err = hooks.UpdateEndpoint(ctx, w.VendorA.Principal, e.ID, syndication.EndpointChange{URL: &url}); err != nil || got.DisabledReason != "it answered 410 Gone" {
		t.Fatalf("a change of URL lost why it was disabled: %+v %v", got, err)
	}
}

func testChangeWho(t *testing.T, st *store.Store, w *storetest.World) {
	hooks := service(t, st)
	on := true
	ops := map[string]func(p mercato.Principal, id int64) error{
		"update": func(p mercato.Principal, id int64) error {
			_, err := hooks.UpdateEndpoint(ctx, p, id, syndication.EndpointChange{Enabled: &on})
			return err
		},
		"rotate": func(p mercato.Principal, id int64) error { _, err := hooks.RotateSecret(ctx, p, id); return err },
		"replay": func(p mercato.Principal, id int64) error {
			_, err := hooks.Replay(ctx, p, id, syndication.Replay{From: st.Now().Add(-time.Hour), To: st.Now()})
			return err
		},
		"delete": func(p mercato.Principal, id int64) error { return hooks.DeleteEndpoint(ctx, p, id) },
	}
	for _, c := range []struct {
		name string
		p    mercato.Principal
		want string
	}{
		{"another vendor", w.VendorB.Principal, mercato.ENOTFOUND},
		{"the customer", w.C1.Principal, mercato.ENOTFOUND},
		{"the reseller", w.R1.Principal, mercato.ENOTFOUND},
		{"the owner's viewer", storetest.Viewer(w.VendorA.Principal), mercato.EFORBIDDEN},
		{"the platform's viewer", storetest.Viewer(w.Platform.Principal), mercato.EFORBIDDEN},
		{"the owner", w.VendorA.Principal, ""},
		{"the platform", w.Platform.Principal, ""},
	} {
		for name, op := range ops {
			t.Run(c.name+" "+name, func(t *testing.T) {
				e, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: "https://h.example.org/" + name})
				if err != nil {
					t.Fatal(err)
				}
				if c.want != "" {
					storetest.Unchanged(t, st, func() { storetest.MustCode(t, op(c.p, e.ID), c.want) })
					return
				}
				if err := op(c.p, e.ID); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func testRotation(t *testing.T, st *store.Store, w *storetest.World) {
	hooks, e := vendorEndpoint(t, st, w)
	first, err := hooks.RotateSecret(ctx, w.VendorA.Principal, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	now := st.Now()
	if first.Secret == e.Secret || !strings.HasPrefix(first.Secret, "whsec_") || first.PreviousSecret != e.Secret {
		t.Fatalf("rotated %+v from %q", first, e.Secret)
	}
	if d := first.PreviousUntil.Sub(now); d > webhooks.RotationGrace || d < webhooks.RotationGrace-time.Minute {
		t.Fatalf("the old secret signs for %s, want %s", d, webhooks.RotationGrace)
	}
	if got := first.Secrets(now); len(got) != 2 || got[0] != first.Secret || got[1] != e.Secret {
		t.Fatalf("signing secrets now %v", got)
	}
	if got := first.Secrets(now.Add(webhooks.RotationGrace + time.Minute)); len(got) != 1 || got[0] != first.Secret {
		t.Fatalf("signing secrets after the grace %v", got)
	}
	// Rotating again: the first secret stops signing at once.
	second, err := hooks.RotateSecret(ctx, w.Platform.Principal, e.ID)
	if err != nil || second.PreviousSecret != first.Secret || second.Secret == first.Secret {
		t.Fatalf("second rotation %+v %v", second, err)
	}
	if read, err := st.Endpoint(ctx, w.VendorA.Principal, e.ID); err != nil || read.Secret != second.Secret || read.PreviousSecret != first.Secret {
		t.Fatalf("read back %+v %v", read, err)
	}
}

func testPointProductEndpoint(t *testing.T, st *store.Store, w *storetest.World) {
	hooks := service(t, st)
	first, err := hooks.PointProductEndpoint(ctx, w.VendorA.Principal, w.ProductA.ID, "/demo", "http://127.0.0.1:1000/demo")
	if err != nil || *first.ProductID != w.ProductA.ID {
		t.Fatalf("registered %+v %v", first, err)
	}
	off := false
	if _, err := hooks.UpdateEndpoint(ctx, w.VendorA.Principal, first.ID, syndication.EndpointChange{Enabled: &off}); err != nil {
		t.Fatal(err)
	}
	again, err := hooks.PointProductEndpoint(ctx, w.VendorA.Principal, w.ProductA.ID, "/demo", "http://127.0.0.1:2000/demo")
	if err != nil || again.ID != first.ID || again.Secret != first.Secret || again.URL != "http://127.0.0.1:2000/demo" || !again.Enabled {
		t.Fatalf("re-pointed %+v %v, first %+v", again, err, first)
	}
	if eps, _, err := hooks.ListEndpoints(ctx, w.VendorA.Principal, webhooks.EndpointFilter{ProductID: w.ProductA.ID}, mercato.Page{}); err != nil || len(eps) != 1 {
		t.Fatalf("endpoints of the product %+v %v", eps, err)
	}
}

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
	hooks, e := vendorEndpoint(t, st, w)
	start := st.Now()
	storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1)
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
			storetest.Unchanged(t, st, func() {
				_, err := hooks.Replay(ctx, w.VendorA.Principal, e.ID, c.r)
				storetest.MustCode(t, err, mercato.EINVALID)
				if f := mercato.Fields(err); len(f) != 1 || f[0].Path != "event_id" {
					t.Fatalf("fields %+v", f)
				}
			})
		})
	}
	// An event the endpoint never had is not found, and not sent anew.
	storetest.Unchanged(t, st, func() {
		_, err := hooks.Replay(ctx, w.VendorA.Principal, e.ID, syndication.Replay{EventID: eventID + 1000})
		storetest.MustCode(t, err, mercato.ENOTFOUND)
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
	hooks, e := vendorEndpoint(t, st, w)
	storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1)
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
			storetest.MustCode(t, err, c.want)
			if len(got) != c.n || (c.n > 0 && (got[0].StatusCode != 204 || got[0].EndpointID != e.ID)) {
				t.Fatalf("attempts %+v", got)
			}
		})
	}
}

func testDeliveryCounts(t *testing.T, st *store.Store, w *storetest.World) {
	hooks, _ := vendorEndpoint(t, st, w)
	storetest.Order(t, st, w.C1.Principal, 0, w.PlanA.ID, 1)
	for _, p := range []mercato.Principal{w.VendorA.Principal, w.C1.Principal, w.D1.Principal} {
		_, _, err := hooks.DeliveryCounts(ctx, p)
		storetest.MustCode(t, err, mercato.EFORBIDDEN)
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
