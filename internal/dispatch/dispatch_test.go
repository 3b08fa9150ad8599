package dispatch_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

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

var ctx = context.Background()

// receiver is a vendor's webhook endpoint on loopback that verifies every
// notification with pkg/webhook and with the Standard Webhooks project's
// own library, records what it got, and answers as answer says.
type receiver struct {
	t      testing.TB
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	secret string
	// rotating: the sender signs CMW-Event-Signature with a new secret this
	// receiver does not have yet; the Standard Webhooks signatures carry both.
	rotating bool
	answer   func(n webhook.Notification, try int) int // status to answer; 0 hangs up
	tries    map[int64]int                             // attempts per event id
}

type received struct {
	n     webhook.Notification
	msgID string
	at    time.Time
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{t: t, tries: map[int64]int{}, answer: func(webhook.Notification, int) int { return http.StatusNoContent }}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	secret, rotating := r.secret, r.rotating
	r.mu.Unlock()
	v := webhook.Verifier{Secrets: []string{secret}}
	if err := v.Verify(req.Header, body); err != nil {
		r.t.Errorf("pkg/webhook refused a delivery: %v", err)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	// Cloudesire's scheme alone, as its templates check it.
	if got, want := req.Header.Get(webhook.HeaderCMWSignature), webhook.SignCMW(secret, body); got != want && !rotating {
		r.t.Errorf("CMW-Event-Signature %q, want %q", got, want)
	}
	sw, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		r.t.Fatalf("standard webhooks: %v", err)
	}
	if err := sw.Verify(body, req.Header); err != nil {
		r.t.Errorf("the Standard Webhooks library refused a delivery: %v", err)
	}
	n, err := webhook.Parse(body)
	if err != nil {
		r.t.Errorf("parse %s: %v", body, err)
	}
	r.mu.Lock()
	r.tries[n.EventID]++
	try, answer := r.tries[n.EventID], r.answer
	r.mu.Unlock()
	// Outside the lock: an answer may take its time (a slow receiver), and
	// the next attempt must not queue behind it.
	status := answer(n, try)
	if status >= 200 && status < 300 {
		r.mu.Lock()
		r.got = append(r.got, received{n: n, msgID: req.Header.Get(webhook.HeaderID), at: time.Now()})
		r.mu.Unlock()
	}
	switch status {
	case 0: // hang up without an answer
		if hj, ok := w.(http.Hijacker); ok {
			conn, _, _ := hj.Hijack()
			conn.Close()
		}
		return
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// waitFor runs the dispatcher's loop until cond holds or the deadline passes.
func waitFor(t testing.TB, d *dispatch.Dispatcher, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", within)
		}
		if n, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		} else if n == 0 {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

type rig struct {
	st    *store.Store
	hooks *webhooks.Service
	w     *storetest.World
	recv  *receiver
	d     *dispatch.Dispatcher
	ep    syndication.Endpoint
}

var fastSchedule = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond}

func newRig(t *testing.T, st *store.Store, cfg dispatch.Config) *rig {
	w := storetest.NewWorld(t, st)
	recv := newReceiver(t)
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	recv.secret = secret
	hooks := webhooks.New(st, store.TxFunc[webhooks.Tx](st))
	ep, err := hooks.CreateEndpoint(ctx, w.VendorA.Principal, syndication.Endpoint{URL: recv.srv.URL + "/hooks", Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	cfg.AllowPrivate = true
	if cfg.Schedule == nil {
		cfg.Schedule = fastSchedule
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	return &rig{st: st, hooks: hooks, w: w, recv: recv, d: dispatch.New(st, slog.New(slog.DiscardHandler), cfg), ep: ep}
}

func (r *rig) order(t testing.TB) int64 {
	t.Helper()
	o, err := app.Ordering(r.st).PlaceOrder(ctx, r.w.C1.Principal, subscription.OrderRequest{PlanID: r.w.PlanA.ID, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	return o.SubscriptionID
}

func (r *rig) set(t testing.TB, id int64, status subscription.Status) {
	t.Helper()
	if _, err := app.Lifecycle(r.st).SetStatus(ctx, r.w.VendorA.Principal, id, status); err != nil {
		t.Fatal(err)
	}
}

func TestDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		t.Run("lifecycle notifications", func(t *testing.T) { testLifecycle(t, storetest.Open(t, st.Engine())) })
		t.Run("retries on errors, timeouts and hang-ups", func(t *testing.T) { testRetries(t, storetest.Open(t, st.Engine())) })
		t.Run("429 Retry-After is honoured", func(t *testing.T) { testRetryAfter(t, storetest.Open(t, st.Engine())) })
		t.Run("410 disables, re-enabling delivers what waited", func(t *testing.T) { testGone(t, storetest.Open(t, st.Engine())) })
		t.Run("an endpoint failing through the schedule is disabled", func(t *testing.T) { testExhausted(t, storetest.Open(t, st.Engine())) })
		t.Run("order per subscription", func(t *testing.T) { testOrdering(t, storetest.Open(t, st.Engine())) })
		t.Run("filters and scopes", func(t *testing.T) { testFilters(t, storetest.Open(t, st.Engine())) })
		t.Run("replay and rotation", func(t *testing.T) { testReplayRotation(t, storetest.Open(t, st.Engine())) })
		t.Run("a dead claimer's work is taken over", func(t *testing.T) { testLease(t, storetest.Open(t, st.Engine())) })
		t.Run("concurrent dispatchers deliver once", func(t *testing.T) { testConcurrent(t, storetest.Open(t, st.Engine())) })
	})
}

func testLifecycle(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{})
	id := r.order(t)
	r.set(t, id, subscription.Deployed)
	if _, err := app.Lifecycle(r.st).Act(ctx, r.w.C1.Principal, id, subscription.ActionTerminate); err != nil {
		t.Fatal(err)
	}
	r.set(t, id, subscription.Undeployed)
	waitFor(t, r.d, 10*time.Second, func() bool { return len(r.recv.received()) == 4 })
	var types []string
	for _, g := range r.recv.received() {
		n := g.n
		types = append(types, n.Type)
		if n.Entity != "Subscription" || n.ID != id || n.EntityURL != "subscription/"+itoa(id) || n.EventID == 0 {
			t.Fatalf("notification %+v", n)
		}
		if g.msgID != syndication.MessageID(n.EventID) {
			t.Fatalf("webhook-id %q for event %d", g.msgID, n.EventID)
		}
		if n.Date.IsZero() || n.Date.Nanosecond() != 0 {
			t.Fatalf("date %v", n.Date)
		}
	}
	if got := join(types); got != "CREATED,MODIFIED,MODIFIED,DELETED" {
		t.Fatalf("types %s", got)
	}
	attempts, _, err := r.st.ListAttempts(ctx, r.w.VendorA.Principal, store.AttemptFilter{EndpointID: r.ep.ID}, store.Page{})
	if err != nil || len(attempts) != 4 || attempts[0].StatusCode != 204 {
		t.Fatalf("attempt log %+v %v", attempts, err)
	}
	// The log names the event, its delivery's tries, and no next try once
	// delivered.
	if a := attempts[0]; a.Event.Type != "DELETED" || a.Event.Entity != subscription.EntitySubscription || a.Event.EntityID != id ||
		a.Tries != 1 || !a.NextTry.IsZero() {
		t.Fatalf("newest attempt %+v", a)
	}
	// Other vendors see none of it.
	if other, _, _ := r.st.ListAttempts(ctx, r.w.VendorB.Principal, store.AttemptFilter{}, store.Page{}); len(other) != 0 {
		t.Fatalf("vendor B sees %d attempts", len(other))
	}
}

func testRetries(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{Timeout: 300 * time.Millisecond})
	r.recv.answer = func(n webhook.Notification, try int) int {
		switch try {
		case 1:
			return http.StatusInternalServerError
		case 2:
			return 0 // hang up
		case 3:
			time.Sleep(600 * time.Millisecond) // longer than the timeout
			return http.StatusNoContent
		}
		return http.StatusNoContent
	}
	id := r.order(t)
	var attempts []syndication.Attempt
	// The third try answers too late: the receiver got it, but the sender
	// cannot know, so a fourth follows (at least once).
	waitFor(t, r.d, 10*time.Second, func() bool {
		attempts, _, _ = r.st.ListAttempts(ctx, r.w.Platform.Principal, store.AttemptFilter{EndpointID: r.ep.ID}, store.Page{})
		return len(attempts) == 4 && len(r.recv.received()) == 2
	})
	if len(r.recv.received()) != 2 {
		t.Fatalf("received %d times, want 2", len(r.recv.received()))
	}
	if len(attempts) != 4 {
		t.Fatalf("%d attempts, want 4: %+v", len(attempts), attempts)
	}
	// Newest first: delivered, timeout, hang-up, 500.
	if attempts[0].StatusCode != 204 || attempts[1].Error == "" || attempts[2].Error == "" || attempts[3].StatusCode != 500 {
		t.Fatalf("attempts %+v", attempts)
	}
	// The retries waited at least their scheduled time (less 10% jitter).
	for i := 3; i > 1; i-- {
		gap := attempts[i-1].AttemptedAt.Sub(attempts[i].AttemptedAt)
		if want := fastSchedule[3-i] * 9 / 10; gap < want {
			t.Fatalf("retry %d after %s, want at least %s", 4-i, gap, want)
		}
	}
	if g := r.recv.received()[0]; g.n.ID != id || g.msgID != syndication.MessageID(g.n.EventID) {
		t.Fatalf("delivered %+v", g)
	}
}

func testRetryAfter(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{})
	r.recv.answer = func(n webhook.Notification, try int) int {
		if try == 1 {
			return http.StatusTooManyRequests
		}
		return http.StatusNoContent
	}
	start := time.Now()
	r.order(t)
	waitFor(t, r.d, 10*time.Second, func() bool { return len(r.recv.received()) == 1 })
	// Retries are scheduled on the wall clock (the store's), so the wait is
	// measured on it too: Round(0) drops the monotonic reading, which runs
	// at another rate while the system clock is being slewed.
	if waited := r.recv.received()[0].at.Round(0).Sub(start.Round(0)); waited < time.Second {
		t.Fatalf("redelivered after %s, Retry-After asked 1s", waited)
	}
}

func testGone(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{})
	gone := true
	r.recv.answer = func(webhook.Notification, int) int {
		if gone {
			return http.StatusGone
		}
		return http.StatusNoContent
	}
	r.order(t)
	waitFor(t, r.d, 10*time.Second, func() bool {
		e, _ := r.st.Endpoint(ctx, r.w.VendorA.Principal, r.ep.ID)
		return !e.Enabled
	})
	id2 := r.order(t) // waits for the endpoint
	for range 5 {
		if n, _ := r.d.RunOnce(ctx); n != 0 {
			t.Fatal("a disabled endpoint got deliveries")
		}
	}
	notes, _ := r.st.ListNotifications(ctx, r.w.VendorA.Principal)
	if len(notes) != 1 || notes[0].Kind != "webhook_endpoint_disabled" {
		t.Fatalf("notifications %+v", notes)
	}
	r.recv.mu.Lock()
	gone = false
	r.recv.mu.Unlock()
	on := true
	if _, err := r.hooks.UpdateEndpoint(ctx, r.w.VendorA.Principal, r.ep.ID, syndication.EndpointChange{Enabled: &on}); err != nil {
		t.Fatal(err)
	}
	// Both the refused event and the one that waited arrive.
	waitFor(t, r.d, 10*time.Second, func() bool { return len(r.recv.received()) == 2 })
	ids := map[int64]bool{}
	for _, g := range r.recv.received() {
		ids[g.n.ID] = true
	}
	if !ids[id2] || len(ids) != 2 {
		t.Fatalf("after re-enabling: %+v", r.recv.received())
	}
}

func testExhausted(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{Schedule: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}})
	r.recv.answer = func(webhook.Notification, int) int { return http.StatusBadGateway }
	r.order(t)
	waitFor(t, r.d, 10*time.Second, func() bool {
		e, _ := r.st.Endpoint(ctx, r.w.VendorA.Principal, r.ep.ID)
		return !e.Enabled
	})
	attempts, _, _ := r.st.ListAttempts(ctx, r.w.VendorA.Principal, store.AttemptFilter{EndpointID: r.ep.ID}, store.Page{})
	if len(attempts) != 3 {
		t.Fatalf("%d attempts before disabling, want 3 (first try and two retries)", len(attempts))
	}
	if a := attempts[0]; a.Event.Type != "CREATED" || a.Tries != 3 || a.NextTry.IsZero() {
		t.Fatalf("the waiting delivery's attempt %+v: want CREATED, 3 tries, a next try", a)
	}
	pending, _, _ := r.st.DeliveryCounts(ctx)
	if pending != 1 {
		t.Fatalf("pending %d: the event must wait for the endpoint", pending)
	}
}

func testOrdering(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{})
	slow := r.order(t) // its CREATED fails three times
	r.recv.answer = func(n webhook.Notification, try int) int {
		if n.ID == slow && n.Type == "CREATED" && try <= 3 {
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	}
	r.set(t, slow, subscription.Deployed)
	r.set(t, slow, subscription.Stopped)
	fast := r.order(t)
	r.set(t, fast, subscription.Deployed)
	waitFor(t, r.d, 10*time.Second, func() bool { return len(r.recv.received()) == 5 })
	var slowTypes []string
	var fastFirst bool
	for i, g := range r.recv.received() {
		if g.n.ID == slow {
			slowTypes = append(slowTypes, g.n.Type)
		}
		if i == 0 && g.n.ID == fast {
			fastFirst = true
		}
	}
	if join(slowTypes) != "CREATED,MODIFIED,MODIFIED" {
		t.Fatalf("subscription %d got %v: out of order", slow, slowTypes)
	}
	if !fastFirst {
		t.Fatal("another subscription's events waited for a failing one")
	}
}

func testFilters(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{})
	// A product endpoint of vendor B that wants only CREATED, and a
	// platform-wide one that wants everything.
	recvB, recvP := newReceiver(t), newReceiver(t)
	for _, c := range []struct {
		recv *receiver
		p    mercato.Principal
		e    syndication.Endpoint
	}{
		{recvB, r.w.VendorB.Principal, syndication.Endpoint{ProductID: &r.w.ProductB.ID, Events: []string{"Subscription.CREATED"}}},
		{recvP, r.w.Platform.Principal, syndication.Endpoint{}},
	} {
		secret, _ := webhook.NewSecret()
		c.recv.secret = secret
		c.e.URL, c.e.Secret = c.recv.srv.URL, secret
		if _, err := r.hooks.CreateEndpoint(ctx, c.p, c.e); err != nil {
			t.Fatal(err)
		}
	}
	_, err := r.hooks.CreateEndpoint(ctx, r.w.VendorB.Principal, syndication.Endpoint{ProductID: &r.w.ProductA.ID, URL: "https://example.com", Secret: "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0"})
	if mercato.ErrorCode(err) != mercato.EFORBIDDEN {
		t.Fatalf("vendor B on vendor A's product: %v", err)
	}
	a := r.order(t)
	o, err := app.Ordering(r.st).PlaceOrder(ctx, r.w.C2.Principal, subscription.OrderRequest{PlanID: r.w.PlanB.ID, Quantity: 1})
	if err != nil {
		t.Fatal(err)
	}
	r.set(t, a, subscription.Deployed)
	if _, err := app.Lifecycle(r.st).SetStatus(ctx, r.w.VendorB.Principal, o.SubscriptionID, subscription.Deployed); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.d, 10*time.Second, func() bool {
		return len(r.recv.received()) == 2 && len(recvB.received()) == 1 && len(recvP.received()) == 4
	})
	time.Sleep(50 * time.Millisecond)
	if _, err := r.d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(r.recv.received()) != 2 || len(recvB.received()) != 1 || recvB.received()[0].n.ID != o.SubscriptionID {
		t.Fatalf("vendor A got %d, vendor B got %+v", len(r.recv.received()), recvB.received())
	}
}

func testReplayRotation(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{})
	r.order(t)
	waitFor(t, r.d, 10*time.Second, func() bool { return len(r.recv.received()) == 1 })
	first := r.recv.received()[0]
	// Rotate: the receiver still holds the old secret and keeps verifying.
	r.recv.mu.Lock()
	r.recv.rotating = true
	r.recv.mu.Unlock()
	rotated, err := r.hooks.RotateSecret(ctx, r.w.VendorA.Principal, r.ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	newSecret := rotated.Secret
	n, err := r.hooks.Replay(ctx, r.w.VendorA.Principal, r.ep.ID, syndication.Replay{EventID: first.n.EventID})
	if err != nil || n != 1 {
		t.Fatalf("replay: %d %v", n, err)
	}
	waitFor(t, r.d, 10*time.Second, func() bool { return len(r.recv.received()) == 2 })
	if again := r.recv.received()[1]; again.msgID != first.msgID || again.n.EventID != first.n.EventID {
		t.Fatalf("replayed as %+v, first %+v", again, first)
	}
	// The vendor switches to the new secret; a time range is replayed.
	r.recv.mu.Lock()
	r.recv.secret, r.recv.rotating = newSecret, false
	r.recv.mu.Unlock()
	n, err = r.hooks.Replay(ctx, r.w.VendorA.Principal, r.ep.ID, syndication.Replay{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
	if err != nil || n != 1 {
		t.Fatalf("replay range: %d %v", n, err)
	}
	waitFor(t, r.d, 10*time.Second, func() bool { return len(r.recv.received()) == 3 })
	_, err = r.hooks.Replay(ctx, r.w.VendorB.Principal, r.ep.ID, syndication.Replay{EventID: first.n.EventID})
	if mercato.ErrorCode(err) != mercato.ENOTFOUND {
		t.Fatalf("vendor B replays vendor A's endpoint: %v", err)
	}
}

func testLease(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{})
	r.order(t)
	// A process claims the delivery and dies before sending it.
	claimed, err := r.st.ClaimDeliveries(ctx, 10, 200*time.Millisecond)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %d %v", len(claimed), err)
	}
	if n, _ := r.d.RunOnce(ctx); n != 0 {
		t.Fatal("a leased delivery was claimed twice")
	}
	time.Sleep(250 * time.Millisecond)
	waitFor(t, r.d, 10*time.Second, func() bool { return len(r.recv.received()) == 1 })
}

func testConcurrent(t *testing.T, st *store.Store) {
	r := newRig(t, st, dispatch.Config{Batch: 7})
	others := []*dispatch.Dispatcher{r.d, dispatch.New(st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true, Batch: 5}),
		dispatch.New(st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true, Batch: 3})}
	const orders = 40
	run, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, d := range others {
		wg.Go(func() { _ = d.Run(run) })
	}
	for range orders {
		r.order(t)
		for _, d := range others {
			d.Wake()
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(r.recv.received()) < orders && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	wg.Wait()
	seen := map[int64]int{}
	for _, g := range r.recv.received() {
		seen[g.n.EventID]++
	}
	if len(seen) != orders {
		t.Fatalf("%d distinct events delivered, want %d", len(seen), orders)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("event %d delivered %d times", id, n)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func join(s []string) string { return strings.Join(s, ",") }
