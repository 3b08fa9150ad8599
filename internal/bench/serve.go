package bench

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// The benchmarks below measure what a user of `mercato serve` gets: requests
// over loopback HTTP to the handler serve builds (app.Services.Handler:
// telemetry middleware with its metrics, the front door resolving the bearer
// token and applying the rate limit, the API), with serve's defaults except
// the per-user rate limit, raised (as --api-rate-limit and --api-rate-burst
// would) to 1,000,000/s so that the limiter runs on every request without
// refusing the benchmark's one user (at the documented 100/s a single
// client is capped there, which measures the limit, not the server).
//
// The baseline is GET /api/v1/me through the same stack with the same
// token: authentication, rate limit, metrics and JSON, and one row read. The
// measured operation and the baseline alternate in phases: in each round
// every client sends its share of baseline requests, all wait for each other,
// then every client sends its share of the operation, so the machine's drift
// (it is shared) weighs on both alike. Figures: p50 and p99 latency and
// throughput of each, and the ratios operation/baseline.

// Database is where a benchmark runs: an engine and, on SQLite, the URL's
// parameters ("?synchronous=full").
type Database struct {
	Engine       store.Engine
	SQLiteParams string
}

// String names the database as the tables print it.
func (d Database) String() string {
	if d.SQLiteParams == "" {
		return string(d.Engine)
	}
	return string(d.Engine) + " " + strings.TrimPrefix(d.SQLiteParams, "?")
}

// open is a migrated, empty store on d, dropped when the benchmark ends.
func (d Database) open(b B) *store.Store {
	if d.Engine == store.SQLite && d.SQLiteParams != "" {
		return storetest.OpenSQLite(b, d.SQLiteParams)
	}
	return storetest.Open(b, d.Engine)
}

// SQLiteFull is SQLite with synchronous=FULL (docs/operations.md, Durability).
var SQLiteFull = Database{Engine: store.SQLite, SQLiteParams: "?synchronous=full"}

// serveRig is serve's handler on loopback over a store with the test world.
type serveRig struct {
	w      *storetest.World
	url    string
	client *http.Client
}

func newServeRig(b B, db Database, clients int) *serveRig {
	b.Helper()
	st := db.open(b)
	r := &serveRig{w: storetest.NewWorld(b, st)}
	cfg := config.Defaults()
	cfg.PublicURL = "http://127.0.0.1:8080"
	cfg.Limits.PerSecond, cfg.Limits.Burst = 1_000_000, 1_000_000
	handler, err := app.New(st, app.Options{}).Handler(app.HTTP{Config: &cfg, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(handler)
	b.Cleanup(ts.Close)
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxIdleConns: clients, DisableCompression: true}
	b.Cleanup(tr.CloseIdleConnections)
	r.client = &http.Client{Transport: tr, Timeout: 60 * time.Second}
	r.url = ts.URL
	return r
}

// request is one request a client repeats.
type request struct {
	method, path, token string
	body                []byte
	want                int
}

// send sends rq and reports an error unless the answer has its status.
func (r *serveRig) send(rq request) error {
	var body io.Reader
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequest(rq.method, r.url+rq.path, body)
	if err != nil {
		return err
	}
	if rq.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+rq.token)
	res, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", rq.method, rq.path, err)
	}
	raw, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return fmt.Errorf("%s %s: read: %w", rq.method, rq.path, err)
	}
	if res.StatusCode != rq.want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", rq.method, rq.path, res.StatusCode, rq.want, raw)
	}
	return nil
}

// phaseStats are the latencies of one kind of request over all its phases
// and the wall time those phases took.
type phaseStats struct {
	lat  []time.Duration
	wall time.Duration
}

func (p *phaseStats) quantile(q float64) time.Duration {
	if len(p.lat) == 0 {
		return 0
	}
	slices.Sort(p.lat)
	return p.lat[min(len(p.lat)-1, int(q*float64(len(p.lat))))]
}

func (p *phaseStats) rate() float64 { return float64(len(p.lat)) / p.wall.Seconds() }

// phase has clients send per requests of rq each, concurrently, and adds
// their latencies and the phase's wall time to into.
func (r *serveRig) phase(b B, clients, per int, rq request, into *phaseStats) {
	lat := make([][]time.Duration, clients)
	errs := make([]error, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			for range per {
				t0 := time.Now()
				if err := r.send(rq); err != nil {
					errs[c] = err
					return
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	into.wall += time.Since(start)
	for c := range clients {
		if errs[c] != nil {
			b.Fatal(errs[c])
		}
		into.lat = append(into.lat, lat[c]...)
	}
}

// perPhase is how many requests each client sends in one phase.
const perPhase = 10

// measure sends at least b.N() requests of op (and as many of base) from
// clients concurrent clients, in alternating phases, and reports both.
func (r *serveRig) measure(b B, clients int, unit string, op, base request) {
	b.Helper()
	// One phase of each first, untimed: every client's connection, the
	// database pool, caches and prepared statements warm.
	var warm phaseStats
	r.phase(b, clients, 1, base, &warm)
	r.phase(b, clients, 1, op, &warm)
	per := min(perPhase, max(1, b.N()/clients))
	rounds := max(1, (b.N()+clients*per-1)/(clients*per))
	var opStats, baseStats phaseStats
	b.ResetTimer()
	for range rounds {
		r.phase(b, clients, per, base, &baseStats)
		r.phase(b, clients, per, op, &opStats)
	}
	b.StopTimer()
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	p50, p99 := opStats.quantile(0.50), opStats.quantile(0.99)
	b50, b99 := baseStats.quantile(0.50), baseStats.quantile(0.99)
	b.ReportMetric(ms(p50), "ms-p50")
	b.ReportMetric(ms(p99), "ms-p99")
	b.ReportMetric(opStats.rate(), unit)
	b.ReportMetric(ms(b50), "base-ms-p50")
	b.ReportMetric(ms(b99), "base-ms-p99")
	b.ReportMetric(baseStats.rate(), "base-req/s")
	b.ReportMetric(float64(p50)/float64(b50), "p50/base")
	b.ReportMetric(float64(p99)/float64(b99), "p99/base")
	b.ReportMetric(100*opStats.rate()/baseStats.rate(), "%-of-base-rate")
	b.Logf("%d clients, %d requests each: %s %s p50 %.2f ms p99 %.2f ms %.0f/s; baseline GET /api/v1/me p50 %.2f ms p99 %.2f ms %.0f/s",
		clients, len(opStats.lat), op.method, op.path, ms(p50), ms(p99), opStats.rate(), ms(b50), ms(b99), baseStats.rate())
}

// ServeOrders places orders as a customer through serve's stack from
// clients concurrent clients on db: orders/s, p50/p99, against GET
// /api/v1/me in the same run. Every order commits an order, a subscription,
// its charges and its CREATED event.
func ServeOrders(db Database, clients int) func(B) {
	return func(b B) {
		r := newServeRig(b, db, clients)
		tok := r.w.C1.Token
		body := mustJSON(b, map[string]any{"plan_id": r.w.PlanA.ID, "quantity": 3, "configuration": map[string]any{"subdomain": "bench"}})
		r.measure(b, clients, "orders/s",
			request{method: http.MethodPost, path: "/api/v1/orders", token: tok, body: body, want: http.StatusCreated},
			request{method: http.MethodGet, path: "/api/v1/me", token: tok, want: http.StatusOK})
	}
}

// ServeQuotes prices a graduated plan as a customer through serve's stack
// from clients concurrent clients on db (a quote writes nothing).
func ServeQuotes(db Database, clients int) func(B) {
	return func(b B) {
		r := newServeRig(b, db, clients)
		tok := r.w.C1.Token
		body := mustJSON(b, map[string]any{"plan_id": r.w.PlanTiered.ID, "quantity": 25})
		r.measure(b, clients, "quotes/s",
			request{method: http.MethodPost, path: "/api/v1/quotes", token: tok, body: body, want: http.StatusOK},
			request{method: http.MethodGet, path: "/api/v1/me", token: tok, want: http.StatusOK})
	}
}
