package webhooktest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
	"github.com/mercato-market/mercato/pkg/webhook/webhooktest"
)

// A vendor tests its receiver as it runs: its real handler on a loopback
// server, sent deliveries signed as Mercato signs them.
func ExampleServer() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // the endpoint's secret, in the vendor's test config

	// The vendor's receiver, exactly as in production.
	receiver := webhook.Handler(&webhook.Verifier{Secrets: []string{secret}}, func(ctx context.Context, n webhook.Notification) error {
		fmt.Println("received", n.Type, n.Entity, n.ID, "event", n.EventID)
		return nil
	})

	srv := webhooktest.NewServer(receiver, secret)
	defer srv.Close()
	ctx := context.Background()

	n := webhooktest.Notification(webhook.EntitySubscription, webhook.TypeCreated, 2388, 91, time.Now())
	ans, err := srv.Deliver(ctx, n)
	if err != nil {
		panic(err)
	}
	fmt.Println(ans.StatusCode)

	// A delivery signed with another secret is refused.
	srv.Sender.Secrets = []string{"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
	ans, _ = srv.Deliver(ctx, n)
	fmt.Println(ans.StatusCode)
	// Output:
	// received CREATED Subscription 2388 event 91
	// 204
	// 401
}

// NewRequest builds the signed request alone, e.g. for a handler tested
// with httptest.NewRecorder or sent by the vendor's own client.
func ExampleNewRequest() {
	secrets := []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
	at := time.Date(2015, 1, 12, 11, 19, 30, 0, time.UTC)
	n := webhooktest.Notification(webhook.EntitySubscription, webhook.TypeCreated, 2388, 91, at)

	req, err := webhooktest.NewRequest(context.Background(), "https://vendor.example/mercato/events", secrets, at, n)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(req.Body)
	fmt.Println(req.Method, req.URL)
	for _, h := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature, webhook.HeaderCMWSignature} {
		fmt.Printf("%s: %s\n", h, req.Header.Get(h))
	}
	fmt.Println(string(body))

	// The receiver's verifier, its clock a minute after sending.
	v := &webhook.Verifier{Secrets: secrets, Now: func() time.Time { return at.Add(time.Minute) }}
	fmt.Println(v.Verify(req.Header, body))

	// The same request through a handler, without a server.
	req, _ = webhooktest.NewRequest(context.Background(), "https://vendor.example/mercato/events", secrets, time.Now(), n)
	w := httptest.NewRecorder()
	webhook.Handler(&webhook.Verifier{Secrets: secrets}, func(context.Context, webhook.Notification) error { return nil }).ServeHTTP(w, req)
	fmt.Println(w.Code == http.StatusNoContent)
	// Output:
	// POST https://vendor.example/mercato/events
	// webhook-id: msg_91
	// webhook-timestamp: 1421061570
	// webhook-signature: v1,etXMtZMrN/UuLlcmJmbZopfkP82fdlnVn7aKPhC2xbw=
	// CMW-Event-Signature: sha1=235f4e544d6fba6bef37efbee6d7f5b4407deb9b
	// {"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}
	// <nil>
	// true
}
