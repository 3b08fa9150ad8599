package webhook_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
)

// Fixed test material. secretA is Standard Webhooks' own test secret (24
// bytes); secretB is 32 bytes.
const (
	secretA = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	secretB = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
	msgID   = "msg_91"
	body    = `{"date":"2015-01-12T11:19:30Z","entity":"Subscription","entityUrl":"subscription/2388","id":2388,"type":"CREATED","eventId":91}`
)

var fixedTime = time.Unix(1421061570, 0) // 2015-01-12T11:19:30Z

func fixedClock() time.Time { return fixedTime }

// wantCMW and wantStandard compute signatures independently of the package.
func wantCMW(secret, body string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(body))
	return "sha1=" + hex.EncodeToString(m.Sum(nil))
}

func wantStandard(secret, id, ts, body string) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}
