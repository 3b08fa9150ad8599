package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// env is a real API server on loopback over a real database, with the
// two-channel test world in it.
type env struct {
	t      testing.TB
	st     *store.Store
	w      *storetest.World
	server *api.Server
	url    string
}

func newEnv(t testing.TB, e store.Engine, opts ...api.Option) *env {
	t.Helper()
	st := storetest.Open(t, e)
	st.Now = storetest.Clock(storetest.Epoch) // no test depends on the calendar day
	w := storetest.NewWorld(t, st)
	srv := app.NewAPI(st, slog.New(slog.NewTextHandler(io.Discard, nil)), opts...)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &env{t: t, st: st, w: w, server: srv, url: ts.URL}
}

// forEachEngine runs fn once per engine with a fresh environment.
func forEachEngine(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) { fn(t, newEnv(t, engine)) })
	}
}

// response is an HTTP answer with its decoded JSON body.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// call sends a request with token; body is marshalled unless it is a string
// or []byte, which are sent as they are.
func (e *env) call(method, path, token string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// must fails the test unless the answer has the status.
func (r response) must(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// isProblem checks an RFC 9457 body.
func (r response) isProblem(t testing.TB) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q for status %d: %s", ct, r.status, r.raw)
	}
	for _, k := range []string{"type", "title", "status", "detail"} {
		if _, ok := r.body[k]; !ok {
			t.Fatalf("problem without %q: %s", k, r.raw)
		}
	}
	if int(r.body["status"].(float64)) != r.status {
		t.Fatalf("problem status %v, response %d", r.body["status"], r.status)
	}
}

func (r response) id() int64 {
	v, _ := r.body["id"].(float64)
	return int64(v)
}

func (r response) str(k string) string {
	s, _ := r.body[k].(string)
	return s
}

// itemIDs returns the ids of a list answer's items.
func (r response) itemIDs(key string) []int64 {
	items, _ := r.body["items"].([]any)
	var out []int64
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			if v, ok := m[key].(float64); ok {
				out = append(out, int64(v))
			}
		}
	}
	return out
}
