package dispatch_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/mercato-market/mercato/pkg/webhook"
)

// The Standard Webhooks project's own library checks pkg/webhook's
// signatures and signs messages pkg/webhook accepts. The test lives here, in
// the main module, so that pkg/webhook (a module of its own) needs nothing
// outside the standard library. Its Verify reads the real clock, so these
// tests sign at time.Now (only durations matter, never the date).
func TestStandardWebhooksLibrary(t *testing.T) {
	const (
		secretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // Standard Webhooks' own test secret (24 bytes)
		secretB = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
		msgID   = "msg_91"
		body    = `{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`
	)
	bodies := []string{body, "", `{"x":"ünïcode","y":[1,2,3]}`, "not json at all\n"}

	t.Run("ours verify with theirs", func(t *testing.T) {
		for _, secrets := range [][]string{{secretA}, {secretB}, {secretB, secretA}} {
			for _, b := range bodies {
				h := http.Header{}
				if err := webhook.Sign(h, secrets, msgID, time.Now(), []byte(b)); err != nil {
					t.Fatal(err)
				}
				// Every secret of a rotation verifies on its own.
				for _, s := range secrets {
					wh, err := standardwebhooks.NewWebhook(s)
					if err != nil {
						t.Fatal(err)
					}
					if err := wh.Verify([]byte(b), h); err != nil {
						t.Errorf("secrets %v, body %q: theirs refuses ours with %s: %v", secrets, b, s, err)
					}
				}
				// And a stranger's secret does not.
				wh, _ := standardwebhooks.NewWebhook("whsec_" + strings.Repeat("C", 32))
				if err := wh.Verify([]byte(b), h); err == nil {
					t.Errorf("theirs accepts a foreign secret")
				}
			}
		}
	})

	t.Run("theirs verify with ours", func(t *testing.T) {
		for _, s := range []string{secretA, secretB} {
			wh, err := standardwebhooks.NewWebhook(s)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bodies {
				now := time.Now()
				sig, err := wh.Sign(msgID, now, []byte(b))
				if err != nil {
					t.Fatal(err)
				}
				// Their Sign and ours agree byte for byte.
				if ours, _ := webhook.SignStandard(s, msgID, now, []byte(b)); ours != sig {
					t.Errorf("SignStandard %s, theirs %s", ours, sig)
				}
				h := http.Header{}
				h.Set(standardwebhooks.HeaderWebhookID, msgID)
				h.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
				h.Set(standardwebhooks.HeaderWebhookSignature, sig)
				v := &webhook.Verifier{Secrets: []string{s}}
				if err := v.Verify(h, []byte(b)); err != nil {
					t.Errorf("ours refuses theirs: %v", err)
				}
				if err := v.Verify(h, []byte(b+"x")); err == nil {
					t.Errorf("ours accepts an altered body signed by theirs")
				}
			}
		}
	})

	t.Run("stale for both", func(t *testing.T) {
		h := http.Header{}
		if err := webhook.Sign(h, []string{secretA}, msgID, time.Now().Add(-10*time.Minute), []byte(body)); err != nil {
			t.Fatal(err)
		}
		wh, _ := standardwebhooks.NewWebhook(secretA)
		if err := wh.Verify([]byte(body), h); err == nil {
			t.Error("theirs accepts a stale message")
		}
		if err := (&webhook.Verifier{Secrets: []string{secretA}}).Verify(h, []byte(body)); err == nil {
			t.Error("ours accepts a stale message")
		}
	})
}
