package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

// The marketplace signs a delivery; during a rotation it passes the new
// secret first and the old one second.
func ExampleSign() {
	secrets := []string{
		"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", // new
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",             // old, until the grace period ends
	}
	body := []byte(`{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`)
	sent := time.Date(2015, 1, 12, 11, 19, 30, 0, time.UTC)

	h := http.Header{}
	if err := webhook.Sign(h, secrets, "msg_91", sent, body); err != nil {
		panic(err)
	}
	for _, name := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature, webhook.HeaderCMWSignature} {
		fmt.Printf("%s: %s\n", name, h.Get(name))
	}
	// Output:
	// webhook-id: msg_91
	// webhook-timestamp: 1421061570
	// webhook-signature: v1,nz4eYIxeCRNG40jaPze+xMbqkV6zcYto6zygBLl0U9E= v1,etXMtZMrN/UuLlcmJmbZopfkP82fdlnVn7aKPhC2xbw=
	// CMW-Event-Signature: sha1=69a450deb05068ca88ff0058ac586a51ddae8db8
}

// A vendor verifies a delivery by hand, then parses it.
func ExampleVerifier_Verify() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	body := []byte(`{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`)
	sent := time.Unix(1421061570, 0)

	// The delivery as it arrives (signed here to keep the example short).
	h := http.Header{}
	_ = webhook.Sign(h, []string{secret}, "msg_91", sent, body)

	v := &webhook.Verifier{
		Secrets: []string{secret},
		// A fixed clock one minute after sending, for the example; leave Now
		// nil in real code.
		Now: func() time.Time { return sent.Add(time.Minute) },
	}
	if err := v.Verify(h, body); err != nil {
		fmt.Println("refused:", err)
		return
	}
	n, err := webhook.Parse(body)
	if err != nil {
		fmt.Println("bad body:", err)
		return
	}
	fmt.Println(n.Type, n.Entity, n.ID, "→ GET /api/"+n.EntityURL)

	// The same delivery replayed ten minutes later, and one with another body.
	v.Now = func() time.Time { return sent.Add(10 * time.Minute) }
	err = v.Verify(h, body)
	fmt.Println(errors.Is(err, webhook.ErrTimestamp), err)
	v.Now = func() time.Time { return sent }
	err = v.Verify(h, []byte(strings.Replace(string(body), "2388", "2389", 2)))
	fmt.Println(errors.Is(err, webhook.ErrInvalidSignature), err)
	// Output:
	// CREATED Subscription 2388 → GET /api/subscription/2388
	// true webhook: timestamp malformed or outside tolerance: 1421061570 is 10m0s old, tolerance 5m0s
	// true webhook: invalid signature: no v1 entry matches a secret
}

// A vendor mounts the handler on its server; every delivery reaches the
// function verified and parsed.
func ExampleHandler() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // from the endpoint's creation, e.g. os.Getenv
	v := &webhook.Verifier{Secrets: []string{secret}}

	mux := http.NewServeMux()
	mux.Handle("/mercato/events", webhook.Handler(v, func(ctx context.Context, n webhook.Notification) error {
		if n.Entity != webhook.EntitySubscription {
			return nil // not interested: acknowledge
		}
		// Fetch GET /api/subscription/{id}, provision when PENDING and paid,
		// then PATCH it DEPLOYED. An error here answers 500: the marketplace
		// retries later, so this must be idempotent.
		fmt.Printf("event %d: subscription %d %s\n", n.EventID, n.ID, n.Type)
		return nil
	}))

	// A delivery, as the marketplace sends it.
	body := `{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`
	r := httptest.NewRequest(http.MethodPost, "/mercato/events", strings.NewReader(body))
	_ = webhook.Sign(r.Header, []string{secret}, "msg_91", time.Now(), []byte(body))
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code)

	// The same body with a forged signature.
	r = httptest.NewRequest(http.MethodPost, "/mercato/events", strings.NewReader(body))
	r.Header.Set(webhook.HeaderCMWSignature, "sha1=0000000000000000000000000000000000000000")
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// event 91: subscription 2388 CREATED
	// 204
	// 401
}
