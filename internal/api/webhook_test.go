package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// TestWebhookEndpoints manages an endpoint through the API: creation with
// its secret shown once, the URL policy, rotation, a test event, the
// delivery log, replay, disabling and deletion.
func TestWebhookEndpoints(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) { testWebhookEndpoints(t, engine) })
	}
}

// newDeliveringEnv is the API whose endpoint tests are sent by a
// dispatcher over the same store, which the caller may run.
func newDeliveringEnv(t *testing.T, engine store.Engine) (*env, *dispatch.Dispatcher) {
	var d *dispatch.Dispatcher
	test := func(ctx context.Context, e syndication.Endpoint) syndication.Attempt { return d.SendTest(ctx, e) }
	e := newEnv(t, engine, api.WithWebhooks(syndication.URLPolicy{AllowPrivate: true}, test))
	d = dispatch.New(e.st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true})
	return e, d
}

func testWebhookEndpoints(t *testing.T, engine store.Engine) {
	e, d := newDeliveringEnv(t, engine)

	var mu sync.Mutex
	var secrets []string
	var got []webhook.Notification
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		v := webhook.Verifier{Secrets: secrets, Now: e.st.Now} // signed at the store's clock
		if err := v.Verify(r.Header, body); err != nil {
			t.Errorf("delivery refused: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n, _ := webhook.Parse(body)
		got = append(got, n)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	vendor := e.w.VendorA.Token
	r := e.call("POST", fmt.Sprintf("/api/v1/products/%d/webhook-endpoints", e.w.ProductA.ID), vendor,
		map[string]any{"url": recv.URL + "/hooks", "events": []string{"Subscription"}}).must(t, http.StatusCreated)
	id, secret := r.id(), r.str("secret")
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	mu.Lock()
	secrets = []string{secret}
	mu.Unlock()
	path := fmt.Sprintf("/api/v1/webhook-endpoints/%d", id)
	if g := e.call("GET", path, vendor, nil).must(t, http.StatusOK); g.str("secret") != "" || !strings.HasSuffix(secret, strings.TrimPrefix(g.str("secret_hint"), "…")) {
		t.Fatalf("the secret shows again: %s", g.raw)
	}
	e.call("POST", "/api/v1/webhook-endpoints", vendor, map[string]any{"url": recv.URL, "events": []string{"Order"}}).must(t, http.StatusUnprocessableEntity).isProblem(t)
	e.call("POST", "/api/v1/webhook-endpoints", e.w.C1.Token, map[string]any{"url": recv.URL}).must(t, http.StatusForbidden).isProblem(t)

	// An order, so that a test event has a subscription to name; its
	// CREATED event waits for the dispatcher below.
	order := e.call("POST", "/api/v1/orders", e.w.C1.Token, map[string]any{"plan_id": e.w.PlanA.ID, "quantity": 1}).must(t, http.StatusCreated)
	subID := int64(order.body["subscription_id"].(float64))

	// Rotation: both secrets sign for a while.
	rot := e.call("POST", path+"/rotate-secret", vendor, nil).must(t, http.StatusOK)
	newSecret := rot.str("secret")
	if newSecret == secret || !strings.HasPrefix(newSecret, "whsec_") {
		t.Fatalf("rotated secret %q", newSecret)
	}
	// The receiver still knows only the old secret, then only the new one.
	for _, s := range []string{secret, newSecret} {
		mu.Lock()
		secrets = []string{s}
		mu.Unlock()
		tr := e.call("POST", path+"/test", vendor, nil).must(t, http.StatusOK)
		if tr.body["status_code"].(float64) != 204 {
			t.Fatalf("test event with the %s secret: %s", map[bool]string{true: "old", false: "new"}[s == secret], tr.raw)
		}
	}
	// The test events name the real subscription, which the vendor can
	// fetch through the Cloudesire-compatible API as its handler would.
	mu.Lock()
	tests := append([]webhook.Notification(nil), got...)
	got = got[:0]
	mu.Unlock()
	if len(tests) != 2 {
		t.Fatalf("test events received: %+v", tests)
	}
	for _, n := range tests {
		if n.ID != subID || n.Type != "MODIFIED" || n.Entity != webhook.EntitySubscription {
			t.Fatalf("test event %+v, want Subscription %d MODIFIED", n, subID)
		}
		req, _ := http.NewRequest(http.MethodGet, e.url+"/api/"+n.EntityURL, nil)
		req.Header.Set("CMW-Auth-Token", vendor)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/%s: %v %v", n.EntityURL, err, res)
		}
		res.Body.Close()
	}

	// A real event, the log, and a replay.
	if n, err := d.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("dispatch: %d %v", n, err)
	}
	log := e.call("GET", path+"/attempts", vendor, nil).must(t, http.StatusOK)
	items := log.body["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["status_code"].(float64) != 204 {
		t.Fatalf("attempts %s", log.raw)
	}
	eventID := int64(items[0].(map[string]any)["event_id"].(float64))
	rep := e.call("POST", path+"/replay", vendor, map[string]any{"event_id": eventID}).must(t, http.StatusOK)
	if rep.body["replayed"].(float64) != 1 {
		t.Fatalf("replay %s", rep.raw)
	}
	e.call("POST", path+"/replay", vendor, map[string]any{}).must(t, http.StatusUnprocessableEntity).isProblem(t)
	if n, _ := d.RunOnce(context.Background()); n != 1 {
		t.Fatal("the replayed event was not sent")
	}
	mu.Lock()
	if len(got) != 2 || got[0].EventID != eventID || got[1].EventID != eventID {
		t.Fatalf("received %+v", got)
	}
	mu.Unlock()

	// Disable, re-enable, delete.
	off := e.call("PATCH", path, vendor, map[string]any{"enabled": false}).must(t, http.StatusOK)
	if off.body["enabled"].(bool) || off.str("disabled_reason") == "" {
		t.Fatalf("disabled: %s", off.raw)
	}
	e.call("PATCH", path, vendor, map[string]any{"enabled": true}).must(t, http.StatusOK)
	e.call("DELETE", path, vendor, nil).must(t, http.StatusNoContent)
	e.call("GET", path, vendor, nil).must(t, http.StatusNotFound).isProblem(t)
}

// TestWebhookURLPolicy checks the production policy: https and public
// addresses only.
func TestWebhookURLPolicy(t *testing.T) {
	e := newEnv(t, store.SQLite)
	for url, want := range map[string]int{
		"http://192.0.32.5/hooks":            http.StatusUnprocessableEntity,
		"https://127.0.0.1/hooks":            http.StatusUnprocessableEntity,
		"https://10.0.0.8/hooks":             http.StatusUnprocessableEntity,
		"https://169.254.169.254/x":          http.StatusUnprocessableEntity,
		"https://localhost:8443/x":           http.StatusUnprocessableEntity,
		"https://192.0.32.5/hooks":           http.StatusCreated,
		"https://[2620:0:2d0:200::10]/hooks": http.StatusCreated,
	} {
		r := e.call("POST", "/api/v1/webhook-endpoints", e.w.VendorA.Token, map[string]any{"url": url})
		if r.status != want {
			t.Errorf("%s: %d, want %d: %s", url, r.status, want, r.raw)
		}
	}
	// The test action needs the dispatcher, which this server does not run.
	r := e.call("GET", "/api/v1/webhook-endpoints", e.w.VendorA.Token, nil).must(t, http.StatusOK)
	id := r.itemIDs("id")[0]
	e.call("POST", fmt.Sprintf("/api/v1/webhook-endpoints/%d/test", id), e.w.VendorA.Token, nil).must(t, http.StatusConflict).isProblem(t)
}
