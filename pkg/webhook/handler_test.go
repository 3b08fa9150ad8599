package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

func TestHandler(t *testing.T) {
	var got []webhook.Notification
	fail := false
	v := &webhook.Verifier{Secrets: []string{secretA}, Now: fixedClock}
	type ctxKey struct{}
	h := webhook.Handler(v, func(ctx context.Context, n webhook.Notification) error {
		if ctx.Value(ctxKey{}) != "request" {
			t.Error("fn does not get the request's context")
		}
		if fail {
			return errors.New("database down: secret details")
		}
		got = append(got, n)
		return nil
	})
	req := func(method, b string, sign bool) *http.Request {
		r := httptest.NewRequest(method, "/hook", strings.NewReader(b))
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, "request"))
		if sign {
			if err := webhook.Sign(r.Header, []string{secretA}, msgID, fixedTime, []byte(b)); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	if w := serve(req(http.MethodPost, body, true)); w.Code != http.StatusNoContent || w.Body.Len() != 0 {
		t.Errorf("good delivery: %d %q", w.Code, w.Body)
	}
	if len(got) != 1 || got[0].ID != 2388 || got[0].EventID != 91 || got[0].Entity != webhook.EntitySubscription {
		t.Errorf("fn got %+v", got)
	}
	// Cloudesire's signature alone.
	r := req(http.MethodPost, body, false)
	r.Header.Set(webhook.HeaderCMWSignature, webhook.SignCMW(secretA, []byte(body)))
	if w := serve(r); w.Code != http.StatusNoContent {
		t.Errorf("CMW delivery: %d %q", w.Code, w.Body)
	}

	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete} {
		w := serve(req(m, body, true))
		if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
			t.Errorf("%s: %d, Allow %q", m, w.Code, w.Header().Get("Allow"))
		}
	}
	if w := serve(req(http.MethodPost, body, false)); w.Code != http.StatusUnauthorized {
		t.Errorf("unsigned: %d", w.Code)
	}
	tampered := req(http.MethodPost, body, true)
	tampered.Body = io.NopCloser(strings.NewReader(strings.Replace(body, "CREATED", "DELETED", 1)))
	if w := serve(tampered); w.Code != http.StatusUnauthorized {
		t.Errorf("altered body: %d", w.Code)
	}
	stale := req(http.MethodPost, body, false)
	_ = webhook.Sign(stale.Header, []string{secretA}, msgID, fixedTime.Add(-time.Hour), []byte(body))
	if w := serve(stale); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "timestamp") {
		t.Errorf("stale: %d %q", w.Code, w.Body)
	}
	for _, b := range []string{`{"entity":`, `{}`, `{"entity":"Subscription","type":"CREATED","id":"x"}`} {
		if w := serve(req(http.MethodPost, b, true)); w.Code != http.StatusBadRequest {
			t.Errorf("body %q: %d", b, w.Code)
		}
	}
	fail = true
	if w := serve(req(http.MethodPost, body, true)); w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "secret details") {
		t.Errorf("fn fails: %d %q", w.Code, w.Body)
	}
	fail = false
	if len(got) != 2 {
		t.Errorf("fn called %d times, want 2 (refused deliveries must not reach it)", len(got))
	}

	// Too large: refused before the signature is even computed.
	huge := bytes.Repeat([]byte(" "), webhook.MaxBodySize+1)
	if w := serve(req(http.MethodPost, string(huge), true)); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", w.Code)
	}
	// Exactly the limit is read (and then refused as not a notification).
	atLimit := append([]byte(body), bytes.Repeat([]byte(" "), webhook.MaxBodySize-len(body))...)
	if w := serve(req(http.MethodPost, string(atLimit), true)); w.Code != http.StatusNoContent {
		t.Errorf("body of MaxBodySize: %d %q", w.Code, w.Body)
	}

	// A receiver without a usable secret is misconfigured: 500, so the
	// sender retries once it is fixed.
	bad := webhook.Handler(&webhook.Verifier{}, func(context.Context, webhook.Notification) error { return nil })
	w := httptest.NewRecorder()
	bad.ServeHTTP(w, req(http.MethodPost, body, true))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("no secret: %d", w.Code)
	}
}

// Over a real connection, with the header names in lower case as
// Standard Webhooks senders (and HTTP/2) write them.
func TestHandlerOverHTTP(t *testing.T) {
	done := make(chan webhook.Notification, 1)
	srv := httptest.NewServer(webhook.Handler(&webhook.Verifier{Secrets: []string{secretB}},
		func(_ context.Context, n webhook.Notification) error { done <- n; return nil }))
	defer srv.Close()

	h := http.Header{}
	if err := webhook.Sign(h, []string{secretB}, msgID, time.Now(), []byte(body)); err != nil {
		t.Fatal(err)
	}
	r, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		r.Header[strings.ToLower(k)] = vs // sent as written
	}
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if n := <-done; n.ID != 2388 {
		t.Errorf("got %+v", n)
	}
}

func TestHandlerNil(t *testing.T) {
	for name, f := range map[string]func(){
		"nil verifier": func() { webhook.Handler(nil, func(context.Context, webhook.Notification) error { return nil }) },
		"nil fn":       func() { webhook.Handler(&webhook.Verifier{}, nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
