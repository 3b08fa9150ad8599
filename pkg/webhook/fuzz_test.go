package webhook_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

// FuzzVerify: arbitrary headers and bodies never panic, every refusal wraps
// a sentinel, and an acceptance is confirmed by an independent computation.
func FuzzVerify(f *testing.F) {
	secrets := []string{secretA, secretB, "legacy-secret"}
	good := http.Header{}
	_ = webhook.Sign(good, []string{secretB, secretA}, msgID, fixedTime, []byte(body))
	f.Add(good.Get(webhook.HeaderID), good.Get(webhook.HeaderTimestamp), good.Get(webhook.HeaderSignature), good.Get(webhook.HeaderCMWSignature), []byte(body))
	f.Add("", "", "", good.Get(webhook.HeaderCMWSignature), []byte(body))
	f.Add("", "", "", webhook.SignCMW("legacy-secret", nil), []byte(nil))
	f.Add(msgID, "1421061570", "v1,AAAA v1a,xx v1,", "sha1=", []byte("{}"))
	f.Add(msgID, "99999999999999999999", "v1,"+strings.Repeat("A", 44), "SHA1=00", []byte(""))
	f.Add("", "1421061570", "", "", []byte("x"))

	sentinels := []error{webhook.ErrMissingSignature, webhook.ErrInvalidSignature, webhook.ErrTimestamp, webhook.ErrMalformedSecret}
	v := &webhook.Verifier{Secrets: secrets, Now: fixedClock}
	f.Fuzz(func(t *testing.T, id, ts, sig, cmw string, b []byte) {
		h := http.Header{}
		for k, val := range map[string]string{webhook.HeaderID: id, webhook.HeaderTimestamp: ts, webhook.HeaderSignature: sig, webhook.HeaderCMWSignature: cmw} {
			if val != "" {
				h.Set(k, val)
			}
		}
		err := v.Verify(h, b)
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		if id != "" || ts != "" || sig != "" {
			if d := fixedTime.Sub(time.Unix(atoi(t, ts), 0)); d > webhook.DefaultTolerance || d < -webhook.DefaultTolerance {
				t.Fatalf("accepted timestamp %q, %v from now", ts, d)
			}
			entries := strings.Fields(sig)
			for _, s := range secrets[:2] {
				want := wantStandard(s, id, ts, string(b))
				for _, e := range entries {
					if e == want {
						return
					}
				}
			}
			t.Fatalf("accepted standard delivery id=%q ts=%q sig=%q that no secret signed", id, ts, sig)
		}
		c := strings.TrimSpace(cmw)
		for _, s := range secrets {
			if strings.EqualFold(c, wantCMW(s, string(b))) {
				return
			}
		}
		t.Fatalf("accepted CMW delivery %q that no secret signed", cmw)
	})
}

// FuzzParse: arbitrary bodies never panic, and what parses survives a
// round trip through MarshalJSON.
func FuzzParse(f *testing.F) {
	f.Add([]byte(body))
	f.Add([]byte(`{"entity":"User","type":"DELETED","id":"7","eventId":"8","date":1421061570000,"metadata":{"a":1}}`))
	f.Add([]byte(`{"entity":"Invoice","type":"CREATED","date":"2015-01-12T11:19:30.000+0000"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := webhook.Parse(b)
		if err != nil {
			return
		}
		out, err := json.Marshal(n)
		if err != nil {
			return // e.g. a year outside 0000-9999 cannot be written back
		}
		back, err := webhook.Parse(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		if !back.Date.Equal(n.Date) || back.ID != n.ID || back.EventID != n.EventID || back.Entity != n.Entity || back.Type != n.Type || back.EntityURL != n.EntityURL {
			t.Fatalf("round trip changed %+v into %+v", n, back)
		}
	})
}

func atoi(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("accepted timestamp %q: %v", s, err)
	}
	return n
}
