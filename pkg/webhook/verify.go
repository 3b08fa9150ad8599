package webhook

import (
	"crypto/hmac"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultTolerance is how far a Standard Webhooks timestamp may be from the
// receiver's clock, in the past or the future, when [Verifier.Tolerance] is
// not set.
const DefaultTolerance = 5 * time.Minute

// Verifier checks the signature of a delivery. The zero value of every field
// but Secrets is usable; a Verifier is safe for concurrent use once set up.
type Verifier struct {
	// Secrets are the endpoint's secrets; a delivery signed with any of them
	// is accepted. During a rotation, hold the new and the old secret.
	// "whsec_" secrets serve both schemes; a secret of another form (an
	// older Cloudesire secret) serves only CMW-Event-Signature. Secrets are
	// used exactly as given: trim surrounding spaces or newlines yourself.
	Secrets []string
	// Tolerance bounds the distance between webhook-timestamp and Now, in
	// either direction; zero or negative means [DefaultTolerance].
	Tolerance time.Duration
	// Now is the clock; nil means [time.Now].
	Now func() time.Time
	// RequireStandard refuses deliveries signed only with
	// CMW-Event-Signature. That scheme has no timestamp, so whoever captured
	// one delivery can replay it (or a Mercato delivery stripped of its
	// webhook-* headers) at any later time. Set it when every sender is
	// Mercato, which always sends both schemes.
	RequireStandard bool
}

// Verify checks the signature of a delivery with headers h and raw body.
//
// When any of the webhook-* headers is present, Verify uses Standard
// Webhooks: all three must be present, webhook-timestamp must be within the
// tolerance of Now, and one v1 entry of webhook-signature must match one of
// the secrets. Otherwise it checks CMW-Event-Signature against each secret.
//
// It returns nil when the delivery is authentic, or an error wrapping
// [ErrMissingSignature], [ErrInvalidSignature], [ErrTimestamp] or, when no
// secret is usable for the scheme, [ErrMalformedSecret].
func (v *Verifier) Verify(h http.Header, body []byte) error {
	id, ts, sig := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if id != "" || ts != "" || sig != "" {
		return v.verifyStandard(id, ts, h.Values(HeaderSignature), body)
	}
	if v.RequireStandard {
		return fmt.Errorf("%w: no %s, %s, %s headers", ErrMissingSignature, HeaderID, HeaderTimestamp, HeaderSignature)
	}
	if cmw := h.Get(HeaderCMWSignature); cmw != "" {
		return v.verifyCMW(cmw, body)
	}
	return fmt.Errorf("%w: neither %s nor %s", ErrMissingSignature, HeaderSignature, HeaderCMWSignature)
}

func (v *Verifier) verifyStandard(id, ts string, sigHeaders []string, body []byte) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: no %s header", ErrMissingSignature, HeaderID)
	case ts == "":
		return fmt.Errorf("%w: no %s header", ErrMissingSignature, HeaderTimestamp)
	case len(sigHeaders) == 0 || strings.TrimSpace(strings.Join(sigHeaders, "")) == "":
		return fmt.Errorf("%w: no %s header", ErrMissingSignature, HeaderSignature)
	}
	// The receiver's configuration first: without a key nothing verifies.
	var keys [][]byte
	for _, secret := range v.Secrets {
		if key, err := decodeSecret(secret); err == nil {
			keys = append(keys, key)
		} // else a CMW-only secret
	}
	if len(keys) == 0 {
		return fmt.Errorf("%w: no whsec_ secret to check %s", ErrMalformedSecret, HeaderSignature)
	}
	sent, err := parseTimestamp(ts)
	if err != nil {
		return err
	}
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultTolerance
	}
	// Sub saturates instead of overflowing, whatever the timestamp.
	if d := now.Sub(sent); d > tol {
		return fmt.Errorf("%w: %s is %v old, tolerance %v", ErrTimestamp, ts, d.Round(time.Second), tol)
	} else if d < -tol {
		return fmt.Errorf("%w: %s is %v in the future, tolerance %v", ErrTimestamp, ts, d.Abs().Round(time.Second), tol)
	}

	// The signatures sent: every well-formed v1 entry, decoded.
	var sigs [][]byte
	for _, line := range sigHeaders {
		for _, entry := range strings.Fields(line) {
			version, b64, ok := strings.Cut(entry, ",")
			if !ok || version != "v1" {
				continue // another version (v1a…) or junk: not ours to judge
			}
			if s, err := base64.StdEncoding.Strict().DecodeString(b64); err == nil && len(s) > 0 {
				sigs = append(sigs, s)
			}
		}
	}
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no well-formed v1 entry in %s", ErrInvalidSignature, HeaderSignature)
	}

	for _, key := range keys {
		want := macStandard(key, id, ts, body)
		for _, s := range sigs {
			if hmac.Equal(s, want) {
				return nil
			}
		}
	}
	return fmt.Errorf("%w: no v1 entry matches a secret", ErrInvalidSignature)
}

// parseTimestamp accepts decimal digits only: no sign, space or fraction.
func parseTimestamp(ts string) (time.Time, error) {
	for i := 0; i < len(ts); i++ {
		if ts[i] < '0' || ts[i] > '9' {
			return time.Time{}, fmt.Errorf("%w: %s %q is not unix seconds", ErrTimestamp, HeaderTimestamp, ts)
		}
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %s %q is not unix seconds", ErrTimestamp, HeaderTimestamp, ts)
	}
	return time.Unix(n, 0), nil
}

func (v *Verifier) verifyCMW(header string, body []byte) error {
	h := strings.TrimSpace(header)
	if len(h) < 5 || !strings.EqualFold(h[:5], "sha1=") {
		return fmt.Errorf("%w: %s is not sha1=<hex>", ErrInvalidSignature, HeaderCMWSignature)
	}
	sig, err := hex.DecodeString(h[5:])
	if err != nil || len(sig) != 20 {
		return fmt.Errorf("%w: %s is not sha1=<hex>", ErrInvalidSignature, HeaderCMWSignature)
	}
	usable := 0
	for _, secret := range v.Secrets {
		if secret == "" {
			continue // an empty key would be everyone's key
		}
		usable++
		if hmac.Equal(sig, macCMW(secret, body)) {
			return nil
		}
	}
	if usable == 0 {
		return fmt.Errorf("%w: no secret configured", ErrMalformedSecret)
	}
	return fmt.Errorf("%w: %s matches no secret", ErrInvalidSignature, HeaderCMWSignature)
}
