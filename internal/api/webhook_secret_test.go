package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// TestWebhookVendorSecret: a vendor moving from Cloudesire sets its
// endpoint's secret to the one its receiver already verifies with, on
// create and on update; deliveries are then signed with it
// (CMW-Event-Signature, Cloudesire's scheme: such a secret is not a whsec_
// key), and secrets out of bounds are refused naming the field.
func TestWebhookVendorSecret(t *testing.T) {
	for _, engine := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(engine), func(t *testing.T) {
			e, _ := newDeliveringEnv(t, engine)

			var mu sync.Mutex
			var header http.Header
			var body []byte
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				header, body = r.Header.Clone(), must(io.ReadAll(r.Body))
				w.WriteHeader(http.StatusNoContent)
			}))
			defer recv.Close()
			signedWith := func(t *testing.T, secret string) {
				t.Helper()
				mu.Lock()
				defer mu.Unlock()
				if got, want := header.Get(webhook.HeaderCMWSignature), webhook.SignCMW(secret, body); got != want {
					t.Fatalf("CMW-Event-Signature %q, want %q (signed with the vendor's secret)", got, want)
				}
			}

			vendor := e.w.VendorA.Token
			// A subscription for the test events to name.
			e.call("POST", "/api/v1/orders", e.w.C1.Token, map[string]any{"plan_id": e.w.PlanA.ID, "quantity": 1}).must(t, http.StatusCreated)
			const cloudesireSecret = "my-cloudesire-secret-0123456789"
			r := e.call("POST", "/api/v1/webhook-endpoints", vendor, map[string]any{"url": recv.URL, "secret": cloudesireSecret}).must(t, http.StatusCreated)
			if r.str("secret") != cloudesireSecret {
				t.Fatalf("the answer's secret %q", r.str("secret"))
			}
			path := fmt.Sprintf("/api/v1/webhook-endpoints/%d", r.id())
			e.call("POST", path+"/test", vendor, nil).must(t, http.StatusOK)
			signedWith(t, cloudesireSecret)

			const another = "another-cloudesire-secret-abcdef"
			e.call("PATCH", path, vendor, map[string]any{"secret": another}).must(t, http.StatusOK)
			e.call("POST", path+"/test", vendor, nil).must(t, http.StatusOK)
			signedWith(t, another)

			// A whsec_ secret signs both schemes.
			whsec, err := webhook.NewSecret()
			if err != nil {
				t.Fatal(err)
			}
			e.call("PATCH", path, vendor, map[string]any{"secret": whsec}).must(t, http.StatusOK)
			e.call("POST", path+"/test", vendor, nil).must(t, http.StatusOK)
			signedWith(t, whsec)
			mu.Lock()
			v := webhook.Verifier{Secrets: []string{whsec}, Now: e.st.Now}
			if err := v.Verify(header, body); err != nil || header.Get(webhook.HeaderSignature) == "" {
				t.Errorf("Standard Webhooks signature: %v", err)
			}
			mu.Unlock()

			for _, bad := range []string{"too-short", "has spaces in the middle of it", "whsec_notbase64!!!!!!!!!!!!!!!!!!", strings.Repeat("x", 257), "accentué-0123456789abc"} {
				e.call("POST", "/api/v1/webhook-endpoints", vendor, map[string]any{"url": recv.URL, "secret": bad}).must(t, http.StatusUnprocessableEntity).isProblem(t)
				e.call("PATCH", path, vendor, map[string]any{"secret": bad}).must(t, http.StatusUnprocessableEntity).isProblem(t)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
