package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// The benchmarks measure the API over real HTTP on loopback and compare it
// with a baseline measured in the same run on the same server: a handler
// that answers a fixed JSON document (the bytes of a real answer of the
// operation under test) to a request of the same shape. The ratio
// operation/baseline is what to compare across machines and runs: both sides
// pay for the client, the loopback and net/http, and both suffer alike from a
// busy machine because their requests alternate one by one.
//
// An op is one baseline request plus one request to the API: ns/op is their
// sum, and the reported rates are requests per second of each side alone.
//
//	go test ./internal/api/ -run '^$' -bench . -benchtime=2s

// benchRig is an API server on loopback over a real store with the test
// world in it, next to the static baseline handler.
type benchRig struct {
	w      *storetest.World
	url    string
	client *http.Client
	static []byte // what POST /static answers
}

func newBenchRig(b B, engine store.Engine) *benchRig {
	b.Helper()
	st := storetest.Open(b, engine)
	r := &benchRig{w: storetest.NewWorld(b, st)}
	mux := http.NewServeMux()
	mux.Handle("/", app.NewAPI(st, slog.New(slog.DiscardHandler)))
	mux.HandleFunc("POST /static", func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(r.static)
	})
	ts := httptest.NewServer(mux)
	b.Cleanup(ts.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: 4, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	r.client = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	r.url = ts.URL
	return r
}

// post sends a JSON body with a bearer token over the rig's keep-alive
// client, fails the benchmark unless the answer has status want, and
// returns the answer's body.
func (r *benchRig) post(b B, path, token string, body []byte, want int) []byte {
	req, err := http.NewRequest(http.MethodPost, r.url+path, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := r.client.Do(req)
	if err != nil {
		b.Fatalf("POST %s: %v", path, err)
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		b.Fatalf("POST %s: read: %v", path, err)
	}
	if res.StatusCode != want {
		b.Fatalf("POST %s: status %d, want %d: %s", path, res.StatusCode, want, raw)
	}
	return raw
}

// compare runs the benchmark loop: every iteration sends one request to the
// static baseline and one to the API operation, timing each, and reports
// both rates and the operation's rate as a percentage of the baseline's.
func (r *benchRig) compare(b B, unit, path, token string, body []byte, want int) {
	b.Helper()
	// One request first, untimed: it warms the connection and the server
	// up and gives the baseline a document of the same size and shape.
	r.static = r.post(b, path, token, body, want)
	var staticTime, apiTime time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		r.post(b, "/static", token, body, http.StatusOK)
		t1 := time.Now()
		r.post(b, path, token, body, want)
		staticTime += t1.Sub(t0)
		apiTime += time.Since(t1)
		n++
	}
	staticRate := float64(n) / staticTime.Seconds()
	apiRate := float64(n) / apiTime.Seconds()
	ratio := 100 * apiRate / staticRate
	b.ReportMetric(staticRate, "static-req/s")
	b.ReportMetric(apiRate, unit)
	b.ReportMetric(ratio, "%-of-static")
	b.Logf("%d requests each: %s %.0f/s, static JSON %.0f/s: %.1f%% of static (%d-byte answer)",
		n, path, apiRate, staticRate, ratio, len(r.static))
}

func mustJSON(b B, v any) []byte {
	b.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// Quote prices a graduated plan as a customer, on SQLite: quotes/s
// and their percentage of the static JSON baseline (the goal is ≥ 30%).
func Quote(b B) {
	r := newBenchRig(b, store.SQLite)
	body := mustJSON(b, map[string]any{"plan_id": r.w.PlanTiered.ID, "quantity": 25})
	r.compare(b, "quotes/s", "/api/v1/quotes", r.w.C1.Token, body, http.StatusOK)
}

// Orders places orders as a customer on account on engine: orders/s and their percentage of the static JSON baseline.
// Each order adds an order, a subscription and its events; the database is
// a fresh one per engine, dropped at the end.
func Orders(engine store.Engine) func(b B) {
	return func(b B) {
		r := newBenchRig(b, engine)
		body := mustJSON(b, map[string]any{"plan_id": r.w.PlanA.ID, "quantity": 3, "configuration": map[string]any{"subdomain": "bench"}})
		r.compare(b, "orders/s", "/api/v1/orders", r.w.C1.Token, body, http.StatusCreated)
	}
}
