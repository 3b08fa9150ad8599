package dispatch_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/pkg/webhook"
	"github.com/mercato-market/mercato/pkg/webhook/webhooktest"
)

// pkg/webhook/webhooktest promises vendors requests exactly like the
// dispatcher's: the same body bytes and the same headers, signatures
// included, during a secret rotation too. The dispatcher's test event goes
// through the same post as every delivery.
func TestWebhooktestBuildsWhatTheDispatcherSends(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	st.Now = func() time.Time { return storetest.Epoch }
	w := storetest.NewWorld(t, st)
	// A test event names a subscription of the endpoint's product.
	if _, err := app.Ordering(st).PlaceOrder(ctx, w.C1.Principal, subscription.OrderRequest{PlanID: w.PlanA.ID, Quantity: 1}); err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		header http.Header
		body   []byte
	}
	got := make(chan delivery, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Clone(), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	newSecret, _ := webhook.NewSecret()
	oldSecret, _ := webhook.NewSecret()
	ep := syndication.Endpoint{OwnerID: w.VendorA.Org.ID, ProductID: &w.ProductA.ID, URL: recv.URL + "/hooks", Secret: newSecret, PreviousSecret: oldSecret, PreviousUntil: storetest.Epoch.Add(time.Hour)}
	d := dispatch.New(st, slog.New(slog.DiscardHandler), dispatch.Config{AllowPrivate: true})
	if a := d.SendTest(ctx, ep); a.StatusCode != http.StatusNoContent {
		t.Fatalf("test event: %+v", a)
	}
	sent := <-got

	ts, err := strconv.ParseInt(sent.header.Get(webhook.HeaderTimestamp), 10, 64)
	if err != nil || ts != storetest.Epoch.Unix() {
		t.Fatalf("timestamp %q", sent.header.Get(webhook.HeaderTimestamp))
	}
	n, err := webhook.Parse(sent.body)
	if err != nil || n.ID == 0 {
		t.Fatalf("%+v %v", n, err)
	}
	want := webhooktest.Notification(n.Entity, n.Type, n.ID, n.EventID, n.Date)
	want.Metadata = n.Metadata
	req, err := webhooktest.NewRequest(ctx, ep.URL, []string{newSecret, oldSecret}, time.Unix(ts, 0), want)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if string(body) != string(sent.body) {
		t.Errorf("body\n%s\nthe dispatcher's\n%s", body, sent.body)
	}
	for _, h := range []string{"Content-Type", "Accept", "User-Agent", webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature, webhook.HeaderCMWSignature} {
		if req.Header.Get(h) != sent.header.Get(h) {
			t.Errorf("%s: %q, the dispatcher's %q", h, req.Header.Get(h), sent.header.Get(h))
		}
	}
	if req.Header.Get(webhook.HeaderSignature) == "" {
		t.Error("no signature compared")
	}
}
