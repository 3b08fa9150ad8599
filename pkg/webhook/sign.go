package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names. [http.Header] canonicalizes them on Set and Get; on the wire
// header names are case-insensitive.
const (
	// HeaderCMWSignature carries Cloudesire's signature: "sha1=<hex>".
	HeaderCMWSignature = "CMW-Event-Signature"
	// HeaderID carries the Standard Webhooks message id, the same on every
	// delivery attempt of one event.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries the Standard Webhooks timestamp, in unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries the Standard Webhooks signatures: one or more
	// space-separated "v1,<base64>" entries.
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every secret: "whsec_" followed by the standard base64
// encoding of the key bytes.
const SecretPrefix = "whsec_"

// Key sizes accepted in a secret, in bytes (Standard Webhooks' bounds).
const (
	minKeyLen = 24
	maxKeyLen = 64
	newKeyLen = 32
)

// Errors returned by this package, wrapped with more detail; test for them
// with [errors.Is].
var (
	// ErrMissingSignature: the request carries no signature header of either
	// scheme, or only some of the three webhook-* headers.
	ErrMissingSignature = errors.New("webhook: missing signature")
	// ErrInvalidSignature: a signature header is present but malformed, or no
	// signature in it matches any secret.
	ErrInvalidSignature = errors.New("webhook: invalid signature")
	// ErrTimestamp: webhook-timestamp is not unix seconds or is further than
	// the tolerance from the receiver's clock.
	ErrTimestamp = errors.New("webhook: timestamp malformed or outside tolerance")
	// ErrMalformedSecret: a secret is not "whsec_" + standard base64 of 24 to
	// 64 bytes, or no usable secret is configured. It is the caller's
	// configuration error, not the sender's.
	ErrMalformedSecret = errors.New("webhook: malformed secret")
)

// NewSecret returns a new random secret: "whsec_" followed by the standard
// base64 encoding of 32 bytes from crypto/rand.
func NewSecret() (string, error) {
	key := make([]byte, newKeyLen)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: new secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// CheckSecret reports whether secret is a "whsec_" secret, which signs both
// schemes; it fails with [ErrMalformedSecret] when it is not.
func CheckSecret(secret string) error {
	_, err := decodeSecret(secret)
	return err
}

// decodeSecret returns the Standard Webhooks key of a secret.
func decodeSecret(secret string) ([]byte, error) {
	enc, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: no %q prefix", ErrMalformedSecret, SecretPrefix)
	}
	key, err := base64.StdEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: not standard base64 after %q", ErrMalformedSecret, SecretPrefix)
	}
	if len(key) < minKeyLen || len(key) > maxKeyLen {
		return nil, fmt.Errorf("%w: key of %d bytes, want %d to %d", ErrMalformedSecret, len(key), minKeyLen, maxKeyLen)
	}
	return key, nil
}

// SignCMW returns the value of the CMW-Event-Signature header for body:
// "sha1=" and the lowercase hex HMAC-SHA1 of body keyed with the secret's
// full text (prefix included). Any non-empty secret works with this scheme,
// including Cloudesire secrets that are not "whsec_" secrets.
func SignCMW(secret string, body []byte) string {
	return "sha1=" + hex.EncodeToString(macCMW(secret, body))
}

func macCMW(secret string, body []byte) []byte {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}

// SignStandard returns one Standard Webhooks signature entry, "v1,<base64
// HMAC-SHA256>", for the message msgID sent at ts (truncated to unix seconds)
// with body. It fails with [ErrMalformedSecret] when secret is not a
// "whsec_" secret.
func SignStandard(secret, msgID string, ts time.Time, body []byte) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return "v1," + base64.StdEncoding.EncodeToString(macStandard(key, msgID, strconv.FormatInt(ts.Unix(), 10), body)), nil
}

// macStandard is HMAC-SHA256(key, id "." timestamp "." body), timestamp as
// sent in the header.
func macStandard(key []byte, msgID, timestamp string, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msgID))
	m.Write([]byte{'.'})
	m.Write([]byte(timestamp))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Sign sets the four signature headers of a delivery on h: webhook-id,
// webhook-timestamp (ts in unix seconds), webhook-signature with one v1 entry
// per secret, in order, and CMW-Event-Signature with secrets[0], which must
// be the newest secret (Cloudesire's scheme carries one signature only).
//
// Sign fails, leaving h unchanged, when secrets is empty or holds a malformed
// secret, when msgID is empty or holds characters other than printable ASCII
// without spaces, or when ts is before 1970.
func Sign(h http.Header, secrets []string, msgID string, ts time.Time, body []byte) error {
	if len(secrets) == 0 {
		return fmt.Errorf("%w: no secret", ErrMalformedSecret)
	}
	if !validMsgID(msgID) {
		return fmt.Errorf("webhook: message id %q: want printable ASCII without spaces", msgID)
	}
	if ts.Unix() < 0 {
		return fmt.Errorf("webhook: timestamp %v before 1970", ts)
	}
	sigs := make([]string, len(secrets))
	for i, s := range secrets {
		sig, err := SignStandard(s, msgID, ts, body)
		if err != nil {
			return fmt.Errorf("secret %d: %w", i, err)
		}
		sigs[i] = sig
	}
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, strings.Join(sigs, " "))
	h.Set(HeaderCMWSignature, SignCMW(secrets[0], body))
	return nil
}

func validMsgID(id string) bool {
	if id == "" {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}
