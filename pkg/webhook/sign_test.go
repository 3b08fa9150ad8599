package webhook_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

func TestNewSecret(t *testing.T) {
	a, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two secrets are equal")
	}
	enc, ok := strings.CutPrefix(a, "whsec_")
	if !ok {
		t.Fatalf("secret %q lacks whsec_", a)
	}
	key, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(key) != 32 {
		t.Fatalf("secret %q: key of %d bytes, err %v; want 32 bytes", a, len(key), err)
	}
	if _, err := webhook.SignStandard(a, msgID, fixedTime, []byte(body)); err != nil {
		t.Fatalf("a new secret does not sign: %v", err)
	}
}

func TestSignCMWKnownAnswer(t *testing.T) {
	for _, secret := range []string{secretA, secretB, "a-legacy-cloudesire-secret"} {
		for _, b := range []string{body, "", `{"x":"ünïcode"}`} {
			got := webhook.SignCMW(secret, []byte(b))
			if want := wantCMW(secret, b); got != want {
				t.Errorf("SignCMW(%q, %q) = %s, want %s", secret, b, got, want)
			}
		}
	}
	// A literal vector, so that the helper's own mistakes would show too:
	// printf '%s' "$body" | openssl dgst -sha1 -hmac "$secretA".
	const literal = "sha1=235f4e544d6fba6bef37efbee6d7f5b4407deb9b"
	if got := webhook.SignCMW(secretA, []byte(body)); got != literal {
		t.Errorf("SignCMW = %s, want %s", got, literal)
	}
}

func TestSignStandardKnownAnswer(t *testing.T) {
	// Standard Webhooks' published vector (libraries/go/webhook_test.go).
	got, err := webhook.SignStandard(secretA, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("published vector: got %s, want %s", got, want)
	}
	for _, secret := range []string{secretA, secretB} {
		got, err := webhook.SignStandard(secret, msgID, fixedTime, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if want := wantStandard(secret, msgID, "1421061570", body); got != want {
			t.Errorf("SignStandard(%s) = %s, want %s", secret, got, want)
		}
	}
	// A literal vector from openssl: printf '%s' "msg_91.1421061570.$body" |
	// openssl dgst -sha256 -mac HMAC -macopt hexkey:000102…1f -binary | base64.
	if got, _ := webhook.SignStandard(secretB, msgID, fixedTime, []byte(body)); got != "v1,nz4eYIxeCRNG40jaPze+xMbqkV6zcYto6zygBLl0U9E=" {
		t.Errorf("openssl vector: got %s", got)
	}
	// Sub-second precision is dropped: the header carries unix seconds.
	a, _ := webhook.SignStandard(secretB, msgID, fixedTime, []byte(body))
	b, _ := webhook.SignStandard(secretB, msgID, fixedTime.Add(999*time.Millisecond), []byte(body))
	if a != b {
		t.Error("signature depends on sub-second time")
	}
}

func TestSignStandardMalformedSecret(t *testing.T) {
	b64 := func(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }
	for _, secret := range []string{
		"",
		"whsec_",
		"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", // no prefix
		"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",  // bad length
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!", // not base64
		"whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", // unpadded
		"whsec_-_-_-_-_-_-_-_-_-_-_-_-_-_-_",                // URL alphabet
		" whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"whsec_" + b64(23),
		"whsec_" + b64(65),
	} {
		_, err := webhook.SignStandard(secret, msgID, fixedTime, []byte(body))
		if !errors.Is(err, webhook.ErrMalformedSecret) {
			t.Errorf("SignStandard(%q): err %v, want ErrMalformedSecret", secret, err)
		}
	}
	for _, n := range []int{24, 32, 64} {
		if _, err := webhook.SignStandard("whsec_"+b64(n), msgID, fixedTime, []byte(body)); err != nil {
			t.Errorf("key of %d bytes refused: %v", n, err)
		}
	}
}

func TestSign(t *testing.T) {
	h := http.Header{}
	if err := webhook.Sign(h, []string{secretB, secretA}, msgID, fixedTime, []byte(body)); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"webhook-id":          msgID,
		"webhook-timestamp":   "1421061570",
		"webhook-signature":   wantStandard(secretB, msgID, "1421061570", body) + " " + wantStandard(secretA, msgID, "1421061570", body),
		"CMW-Event-Signature": wantCMW(secretB, body), // the newest secret only
	}
	for k, v := range want {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if len(h) != 4 {
		t.Errorf("Sign set %d headers, want 4: %v", len(h), h)
	}
	// Signing again replaces, never appends.
	if err := webhook.Sign(h, []string{secretA}, "msg_92", fixedTime, []byte(body)); err != nil {
		t.Fatal(err)
	}
	if got := h.Values(webhook.HeaderSignature); len(got) != 1 || strings.Contains(got[0], " ") {
		t.Errorf("re-signed webhook-signature: %q", got)
	}
}

func TestSignRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		secrets []string
		id      string
		ts      time.Time
	}{
		"no secret":        {nil, msgID, fixedTime},
		"malformed secret": {[]string{secretA, "whsec_nope"}, msgID, fixedTime},
		"empty id":         {[]string{secretA}, "", fixedTime},
		"id with space":    {[]string{secretA}, "msg 91", fixedTime},
		"id with newline":  {[]string{secretA}, "msg_91\r\nX-Evil: 1", fixedTime},
		"before 1970":      {[]string{secretA}, msgID, time.Unix(-1, 0)},
	} {
		h := http.Header{"Keep": {"me"}}
		if err := webhook.Sign(h, c.secrets, c.id, c.ts, []byte(body)); err == nil {
			t.Errorf("%s: Sign accepted", name)
		}
		if len(h) != 1 {
			t.Errorf("%s: Sign changed the headers on failure: %v", name, h)
		}
	}
}
