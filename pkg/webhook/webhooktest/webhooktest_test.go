package webhooktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
	"github.com/mercato-market/mercato/pkg/webhook/webhooktest"
)

var ctx = context.Background()

const (
	secretNew = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	secretOld = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

var sent = time.Date(2015, 1, 12, 11, 19, 30, 0, time.UTC)

func TestNewRequestIsWhatMercatoSends(t *testing.T) {
	n := webhooktest.Notification(webhook.EntitySubscription, webhook.TypeCreated, 2388, 91, sent.Add(400*time.Millisecond))
	req, err := webhooktest.NewRequest(ctx, "https://vendor.example/hooks", []string{secretNew, secretOld}, sent, n)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(req.Body)
	if want := `{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`; string(body) != want {
		t.Errorf("body %s\nwant %s", body, want)
	}
	// The values pkg/webhook's own example documents for this delivery.
	for name, want := range map[string]string{
		"Content-Type":             "application/json; charset=utf-8",
		"Accept":                   "application/json",
		"User-Agent":               "Mercato-Webhooks/1",
		webhook.HeaderID:           "msg_91",
		webhook.HeaderTimestamp:    "1421061570",
		webhook.HeaderSignature:    "v1,nz4eYIxeCRNG40jaPze+xMbqkV6zcYto6zygBLl0U9E= v1,etXMtZMrN/UuLlcmJmbZopfkP82fdlnVn7aKPhC2xbw=",
		webhook.HeaderCMWSignature: "sha1=69a450deb05068ca88ff0058ac586a51ddae8db8",
	} {
		if got := req.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	if req.Method != http.MethodPost || req.URL.String() != "https://vendor.example/hooks" {
		t.Errorf("%s %s", req.Method, req.URL)
	}

	// Both schemes verify, with either secret of the rotation.
	for _, secret := range []string{secretNew, secretOld} {
		v := &webhook.Verifier{Secrets: []string{secret}, Now: func() time.Time { return sent }}
		if err := v.Verify(req.Header, body); err != nil {
			t.Errorf("standard webhooks with %s: %v", secret, err)
		}
	}
	cmwOnly := http.Header{}
	cmwOnly.Set(webhook.HeaderCMWSignature, req.Header.Get(webhook.HeaderCMWSignature))
	if err := (&webhook.Verifier{Secrets: []string{secretNew}}).Verify(cmwOnly, body); err != nil {
		t.Errorf("CMW-Event-Signature: %v", err)
	}
	if _, err := webhooktest.NewRequest(ctx, "https://vendor.example/", []string{"not-a-whsec"}, sent, n); err == nil {
		t.Error("a malformed secret signs")
	}
}

func TestEntityURL(t *testing.T) {
	for entity, want := range map[string]string{"Subscription": "subscription/7", "ProductVersion": "productVersion/7", "Invoice": "invoice/7", "User": "user/7"} {
		if got := webhooktest.EntityURL(entity, 7); got != want {
			t.Errorf("%s: %s, want %s", entity, got, want)
		}
	}
}

// A vendor's receiver, built on webhook.Handler, tested over loopback.
func TestServer(t *testing.T) {
	var mu sync.Mutex
	var got []webhook.Notification
	fail := false
	h := webhook.Handler(&webhook.Verifier{Secrets: []string{secretNew}}, func(_ context.Context, n webhook.Notification) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return errors.New("database down")
		}
		got = append(got, n)
		return nil
	})
	mux := http.NewServeMux()
	mux.Handle("/mercato/events", h)
	srv := webhooktest.NewServer(mux, secretNew)
	defer srv.Close()
	srv.Path = "/mercato/events"

	n := webhooktest.Notification(webhook.EntitySubscription, webhook.TypeModified, 5, 12, time.Now())
	n.Metadata = map[string]any{"test": "true"}
	ans, err := srv.Deliver(ctx, n)
	if err != nil || ans.StatusCode != http.StatusNoContent {
		t.Fatalf("deliver: %+v %v", ans, err)
	}
	mu.Lock()
	if len(got) != 1 || got[0].ID != 5 || got[0].EventID != 12 || got[0].Metadata["test"] != "true" || !got[0].Date.Equal(n.Date) {
		t.Fatalf("received %+v", got)
	}
	fail = true
	mu.Unlock()
	if ans, _ := srv.Deliver(ctx, n); ans.StatusCode != http.StatusInternalServerError {
		t.Errorf("a failing function: %d, want 500 (the marketplace retries)", ans.StatusCode)
	}

	// Signed an hour ago: a replay, refused.
	srv.Sender.Now = func() time.Time { return time.Now().Add(-time.Hour) }
	if ans, _ := srv.Deliver(ctx, n); ans.StatusCode != http.StatusUnauthorized || !strings.Contains(string(ans.Body), "tolerance") {
		t.Errorf("stale: %d %s", ans.StatusCode, ans.Body)
	}
	srv.Sender.Now = nil
	// Signed with a secret the receiver does not have.
	srv.Sender.Secrets = []string{secretOld}
	if ans, _ := srv.Deliver(ctx, n); ans.StatusCode != http.StatusUnauthorized {
		t.Errorf("foreign secret: %d", ans.StatusCode)
	}
	// Correctly signed, not a notification.
	srv.Sender.Secrets = []string{secretNew}
	if ans, _ := srv.DeliverRaw(ctx, "msg_1", []byte(`{"hello":1}`)); ans.StatusCode != http.StatusBadRequest {
		t.Errorf("not a notification: %d", ans.StatusCode)
	}
	// The sender posts, as Mercato: another path is the mux's 404.
	var s webhooktest.Sender
	s.Secrets = []string{secretNew}
	if ans, err := s.Send(ctx, srv.URL+"/elsewhere", n); err != nil || ans.StatusCode != http.StatusNotFound {
		t.Errorf("elsewhere: %+v %v", ans, err)
	}
}

func TestNotificationMarshalsAsSent(t *testing.T) {
	n := webhooktest.Notification(webhook.EntityProductVersion, webhook.TypeModified, 3, 4, time.Date(2026, 2, 10, 10, 0, 0, 999, time.FixedZone("CET", 3600)))
	b, _ := json.Marshal(n)
	if want := `{"date":"2026-02-10T09:00:00Z","entity":"ProductVersion","entityUrl":"productVersion/3","id":3,"type":"MODIFIED","eventId":4}`; string(b) != want {
		t.Errorf("%s\nwant %s", b, want)
	}
}
