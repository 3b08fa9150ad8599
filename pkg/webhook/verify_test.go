package webhook_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

// signed returns the headers of a delivery of body signed at ts.
func signed(t *testing.T, secrets []string, ts time.Time, b string) http.Header {
	t.Helper()
	h := http.Header{}
	if err := webhook.Sign(h, secrets, msgID, ts, []byte(b)); err != nil {
		t.Fatal(err)
	}
	return h
}

// cmwOnly keeps only Cloudesire's header, as Cloudesire sends.
func cmwOnly(h http.Header) http.Header {
	return cmw(h.Get(webhook.HeaderCMWSignature))
}

// cmw returns headers holding only CMW-Event-Signature: value.
func cmw(value string) http.Header {
	h := http.Header{}
	h.Set(webhook.HeaderCMWSignature, value)
	return h
}

func TestVerifyAccepts(t *testing.T) {
	v := &webhook.Verifier{Secrets: []string{secretA}, Now: fixedClock}
	h := signed(t, []string{secretA}, fixedTime, body)
	if err := v.Verify(h, []byte(body)); err != nil {
		t.Errorf("standard: %v", err)
	}
	if err := v.Verify(cmwOnly(h), []byte(body)); err != nil {
		t.Errorf("CMW only: %v", err)
	}
	// Uppercase hex and an uppercase prefix in the CMW header.
	up := cmw("SHA1=" + strings.ToUpper(strings.TrimPrefix(wantCMW(secretA, body), "sha1=")))
	if err := v.Verify(up, []byte(body)); err != nil {
		t.Errorf("uppercase CMW: %v", err)
	}
	// A Cloudesire secret that is not a whsec_ secret serves CMW.
	legacy := &webhook.Verifier{Secrets: []string{"legacy-secret"}}
	if err := legacy.Verify(cmw(webhook.SignCMW("legacy-secret", []byte(body))), []byte(body)); err != nil {
		t.Errorf("legacy secret: %v", err)
	}
	// Entries of other versions are skipped, and signatures may come on
	// several header lines.
	multi := signed(t, []string{secretA}, fixedTime, body)
	sig := multi.Get(webhook.HeaderSignature)
	multi.Set(webhook.HeaderSignature, "v1a,c29tZXRoaW5n v2,xyz garbage")
	multi.Add(webhook.HeaderSignature, "  "+sig+"  ")
	if err := v.Verify(multi, []byte(body)); err != nil {
		t.Errorf("mixed entries over two lines: %v", err)
	}
	// The zero Tolerance and Now use the defaults.
	now := &webhook.Verifier{Secrets: []string{secretA}}
	if err := now.Verify(signed(t, []string{secretA}, time.Now(), body), []byte(body)); err != nil {
		t.Errorf("defaults: %v", err)
	}
}

func TestVerifyRefuses(t *testing.T) {
	good := func() http.Header { return signed(t, []string{secretA}, fixedTime, body) }
	with := func(k, v string) http.Header { h := good(); h.Set(k, v); return h }
	without := func(ks ...string) http.Header {
		h := good()
		for _, k := range ks {
			h.Del(k)
		}
		return h
	}
	other := "whsec_" + strings.Repeat("B", 32)
	cases := []struct {
		name    string
		secrets []string
		h       http.Header
		body    string
		want    error
	}{
		{"wrong secret", []string{other}, good(), body, webhook.ErrInvalidSignature},
		{"wrong secret, CMW", []string{other}, cmwOnly(good()), body, webhook.ErrInvalidSignature},
		{"altered body", nil, good(), strings.Replace(body, "2388", "2389", 1), webhook.ErrInvalidSignature},
		{"altered body, CMW", nil, cmwOnly(good()), body + " ", webhook.ErrInvalidSignature},
		{"altered id", nil, with(webhook.HeaderID, "msg_92"), body, webhook.ErrInvalidSignature},
		{"altered timestamp", nil, with(webhook.HeaderTimestamp, "1421061571"), body, webhook.ErrInvalidSignature},
		{"no headers", nil, http.Header{}, body, webhook.ErrMissingSignature},
		{"no webhook-id", nil, without(webhook.HeaderID), body, webhook.ErrMissingSignature},
		{"no webhook-timestamp", nil, without(webhook.HeaderTimestamp), body, webhook.ErrMissingSignature},
		{"no webhook-signature", nil, without(webhook.HeaderSignature), body, webhook.ErrMissingSignature},
		{"blank webhook-signature", nil, with(webhook.HeaderSignature, "   "), body, webhook.ErrMissingSignature},
		// With webhook-* headers present, a valid CMW signature does not help.
		{"CMW cannot rescue standard", nil, with(webhook.HeaderSignature, "v1,AAAA"), body, webhook.ErrInvalidSignature},
		{"signature without version", nil, with(webhook.HeaderSignature, strings.TrimPrefix(wantStandard(secretA, msgID, "1421061570", body), "v1,")), body, webhook.ErrInvalidSignature},
		{"signature not base64", nil, with(webhook.HeaderSignature, "v1,@@@@"), body, webhook.ErrInvalidSignature},
		{"signature empty", nil, with(webhook.HeaderSignature, "v1,"), body, webhook.ErrInvalidSignature},
		{"signature of another version", nil, with(webhook.HeaderSignature, strings.Replace(good().Get(webhook.HeaderSignature), "v1,", "v2,", 1)), body, webhook.ErrInvalidSignature},
		{"signature truncated", nil, with(webhook.HeaderSignature, good().Get(webhook.HeaderSignature)[:20]), body, webhook.ErrInvalidSignature},
		{"CMW without prefix", nil, cmw(strings.TrimPrefix(wantCMW(secretA, body), "sha1=")), body, webhook.ErrInvalidSignature},
		{"CMW sha256", nil, cmw("sha256=" + strings.TrimPrefix(wantCMW(secretA, body), "sha1=")), body, webhook.ErrInvalidSignature},
		{"CMW not hex", nil, cmw("sha1=zz"), body, webhook.ErrInvalidSignature},
		{"CMW truncated", nil, cmw(wantCMW(secretA, body)[:30]), body, webhook.ErrInvalidSignature},
		{"timestamp not a number", nil, with(webhook.HeaderTimestamp, "yesterday"), body, webhook.ErrTimestamp},
		{"timestamp signed", nil, with(webhook.HeaderTimestamp, "+1421061570"), body, webhook.ErrTimestamp},
		{"timestamp fractional", nil, with(webhook.HeaderTimestamp, "1421061570.5"), body, webhook.ErrTimestamp},
		{"timestamp huge", nil, with(webhook.HeaderTimestamp, "99999999999999999999999"), body, webhook.ErrTimestamp},
		{"stale", nil, signed(t, []string{secretA}, fixedTime.Add(-5*time.Minute-time.Second), body), body, webhook.ErrTimestamp},
		{"future", nil, signed(t, []string{secretA}, fixedTime.Add(5*time.Minute+time.Second), body), body, webhook.ErrTimestamp},
		{"stale by years", nil, signed(t, []string{secretA}, time.Unix(0, 0), body), body, webhook.ErrTimestamp},
		{"malformed secret, standard", []string{"whsec_short"}, good(), body, webhook.ErrMalformedSecret},
		{"no secret, standard", []string{}, good(), body, webhook.ErrMalformedSecret},
		{"no secret, CMW", []string{}, cmwOnly(good()), body, webhook.ErrMalformedSecret},
		{"empty secret, CMW", []string{""}, cmw(webhook.SignCMW("", []byte(body))), body, webhook.ErrMalformedSecret},
	}
	for _, c := range cases {
		secrets := c.secrets
		if secrets == nil {
			secrets = []string{secretA}
		}
		v := &webhook.Verifier{Secrets: secrets, Now: fixedClock}
		err := v.Verify(c.h, []byte(c.body))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: err %v, want %v", c.name, err, c.want)
		}
	}
}

func TestVerifyTolerance(t *testing.T) {
	for _, c := range []struct {
		tolerance time.Duration
		offset    time.Duration
		ok        bool
	}{
		{0, 0, true},
		{0, 5 * time.Minute, true},
		{0, -5 * time.Minute, true},
		{0, 5*time.Minute + time.Second, false},
		{0, -5*time.Minute - time.Second, false},
		{-time.Hour, 5 * time.Minute, true}, // negative: the default
		{-time.Hour, 6 * time.Minute, false},
		{time.Hour, 59 * time.Minute, true},
		{time.Hour, -59 * time.Minute, true},
		{time.Hour, 61 * time.Minute, false},
		{time.Hour, -61 * time.Minute, false},
		{10 * time.Second, 11 * time.Second, false},
		{10 * time.Second, -11 * time.Second, false},
	} {
		v := &webhook.Verifier{Secrets: []string{secretA}, Tolerance: c.tolerance, Now: fixedClock}
		// A timestamp sent offset after the receiver's clock; negative: before.
		err := v.Verify(signed(t, []string{secretA}, fixedTime.Add(c.offset), body), []byte(body))
		if ok := err == nil; ok != c.ok {
			t.Errorf("tolerance %v, offset %v: err %v, want ok=%v", c.tolerance, c.offset, err, c.ok)
		}
		if err != nil && !errors.Is(err, webhook.ErrTimestamp) {
			t.Errorf("tolerance %v, offset %v: err %v, want ErrTimestamp", c.tolerance, c.offset, err)
		}
	}
}

func TestVerifyRotation(t *testing.T) {
	oldS, newS := secretA, secretB
	h := signed(t, []string{newS, oldS}, fixedTime, body) // newest first
	if n := len(strings.Fields(h.Get(webhook.HeaderSignature))); n != 2 {
		t.Fatalf("%d signatures, want 2", n)
	}
	for name, secrets := range map[string][]string{
		"old only":            {oldS},
		"new only":            {newS},
		"both":                {oldS, newS},
		"a third and the old": {"whsec_" + strings.Repeat("C", 32), oldS},
	} {
		v := &webhook.Verifier{Secrets: secrets, Now: fixedClock}
		if err := v.Verify(h, []byte(body)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// CMW carries the newest secret's signature only: a CMW-only receiver
	// holding both secrets accepts, one holding only the old does not.
	if err := (&webhook.Verifier{Secrets: []string{oldS, newS}}).Verify(cmwOnly(h), []byte(body)); err != nil {
		t.Errorf("CMW with both secrets: %v", err)
	}
	if err := (&webhook.Verifier{Secrets: []string{oldS}}).Verify(cmwOnly(h), []byte(body)); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("CMW with the old secret: err %v", err)
	}
	// After the grace period only the new secret signs.
	after := signed(t, []string{newS}, fixedTime, body)
	if err := (&webhook.Verifier{Secrets: []string{oldS}, Now: fixedClock}).Verify(after, []byte(body)); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("old secret after the grace period: err %v", err)
	}
	// A malformed secret next to a good one does not stop the good one.
	mixed := &webhook.Verifier{Secrets: []string{"legacy", newS}, Now: fixedClock}
	if err := mixed.Verify(after, []byte(body)); err != nil {
		t.Errorf("legacy + new: %v", err)
	}
}

func TestVerifyRequireStandard(t *testing.T) {
	v := &webhook.Verifier{Secrets: []string{secretA}, Now: fixedClock, RequireStandard: true}
	h := signed(t, []string{secretA}, fixedTime, body)
	if err := v.Verify(h, []byte(body)); err != nil {
		t.Errorf("standard: %v", err)
	}
	// A captured delivery replayed later with its webhook-* headers stripped.
	if err := v.Verify(cmwOnly(h), []byte(body)); !errors.Is(err, webhook.ErrMissingSignature) {
		t.Errorf("CMW only: err %v, want ErrMissingSignature", err)
	}
	v.RequireStandard = false
	if err := v.Verify(cmwOnly(h), []byte(body)); err != nil {
		t.Errorf("CMW only, not required: %v", err)
	}
}

// The timestamp signed is the header's text: Verify must not re-format it.
func TestVerifyTimestampText(t *testing.T) {
	ts := strconv.FormatInt(fixedTime.Unix(), 10)
	h := http.Header{}
	h.Set(webhook.HeaderID, msgID)
	h.Set(webhook.HeaderTimestamp, "0"+ts)
	h.Set(webhook.HeaderSignature, wantStandard(secretA, msgID, "0"+ts, body))
	v := &webhook.Verifier{Secrets: []string{secretA}, Now: fixedClock}
	if err := v.Verify(h, []byte(body)); err != nil {
		t.Errorf("leading zero: %v", err)
	}
	h.Set(webhook.HeaderSignature, wantStandard(secretA, msgID, ts, body))
	if err := v.Verify(h, []byte(body)); !errors.Is(err, webhook.ErrInvalidSignature) {
		t.Errorf("signature over another spelling accepted: %v", err)
	}
}
