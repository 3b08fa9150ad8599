package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/web"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// The delivery log shows each attempt's event type, its payload, its
// delivery's tries and next try; "Send a test event" posts one to the
// endpoint at once through the dispatcher and tells the answer.
func TestWebhookLogAndTestEvent(t *testing.T) {
	ctx := context.Background()
	// The receiver refuses real events (so their delivery waits for a
	// retry) and accepts test events.
	var mu sync.Mutex
	var tests int
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var n webhook.Notification
		_ = json.Unmarshal(b, &n)
		if n.Metadata["test"] == "true" {
			mu.Lock()
			tests++
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer recv.Close()
	var d *dispatch.Dispatcher
	h := newHarness(t, web.WithTestEvent(func(ctx context.Context, e syndication.Endpoint) syndication.Attempt { return d.SendTest(ctx, e) }))
	d = dispatch.New(h.st, slog.New(slog.NewTextHandler(io.Discard, nil)), dispatch.Config{AllowPrivate: true})

	prods, _, err := h.st.ListProducts(ctx, h.admin, catalog.ProductFilter{Type: catalog.TypeService}, store.Page{Limit: 10})
	if err != nil || len(prods) == 0 {
		t.Fatalf("the demo's service product: %v", err)
	}
	prod := prods[0]
	ep, err := webhooks.New(h.st, store.TxFunc[webhooks.Tx](h.st)).CreateEndpoint(ctx, h.admin, syndication.Endpoint{URL: recv.URL, ProductID: &prod.ID})
	if err != nil {
		t.Fatal(err)
	}
	if res := h.signIn(customer).post("/products/"+itoa(prod.ID)+"/order", url.Values{"plan_id": {itoa(h.planOf(prod.ID))}, "quantity": {"1"},
		"nonce": {"hook1"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("order: %d", res.StatusCode)
	}
	if n, err := d.RunOnce(ctx); err != nil || n == 0 {
		t.Fatalf("dispatch: %d, %v", n, err)
	}

	ven := h.signIn(vendor)
	path := "/webhooks/" + itoa(ep.ID)
	body := ven.get(path).Body
	for _, want := range []string{"Subscription.CREATED", "<summary>Payload</summary>", "&#34;type&#34;: &#34;CREATED&#34;",
		`<td class="num">1</td>`, `id="send-test"`, ">503<"} {
		if !strings.Contains(body, want) {
			t.Errorf("the log has no %s", want)
		}
	}
	if strings.Contains(body, `<td class="num">1</td><td>—</td>`) {
		t.Errorf("the waiting delivery shows no next try")
	}

	if res := ven.post(path+"/test", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("test event: %d", res.StatusCode)
	}
	mu.Lock()
	got := tests
	mu.Unlock()
	if got != 1 {
		t.Fatalf("the receiver got %d test events, want 1", got)
	}
	if body := ven.get(path).Body; !strings.Contains(body, "Test event sent: the endpoint answered 204") {
		t.Errorf("the page does not tell the test event's answer")
	}
	// A customer's post finds no endpoint, and sends nothing.
	h.signIn(customer).post(path+"/test", nil)
	mu.Lock()
	got = tests
	mu.Unlock()
	if got != 1 {
		t.Errorf("a customer sent a test event")
	}
}
