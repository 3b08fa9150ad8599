package metering_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/metering"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/usage"
)

var ctx = context.Background()

// metricServer is a product's metric URL on loopback: it answers for each
// subscription what answer says and counts the calls.
type metricServer struct {
	srv    *httptest.Server
	mu     sync.Mutex
	calls  map[int64]int
	answer func(sub int64) (status int, body string)
}

func newMetricServer(t *testing.T) *metricServer {
	m := &metricServer{calls: map[int64]int{}}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, err := strconv.ParseInt(r.Header.Get("CD-Subscription-Id"), 10, 64)
		if err != nil || r.Method != http.MethodGet || r.Header.Get("Accept") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		m.mu.Lock()
		m.calls[sub]++
		answer := m.answer
		m.mu.Unlock()
		status, body := answer(sub)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(m.srv.Close)
	return m
}

func (m *metricServer) set(fn func(sub int64) (int, string)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answer = fn
}

func (m *metricServer) count(sub int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[sub]
}

// clock is a settable time shared by the store and the poller.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fixture is a world with a DEPLOYED metered subscription of product A,
// whose metric URL is a loopback metric server.
type fixture struct {
	st    *store.Store
	w     *storetest.World
	sub   int64
	srv   *metricServer
	clk   *clock
	logs  *logBuffer
	start time.Time
}

func setup(t *testing.T, engine store.Engine, key string) *fixture {
	t.Helper()
	st := storetest.Open(t, engine)
	w := storetest.NewWorld(t, st)
	_, sub := storetest.MeteredSubscription(t, st, w)
	f := &fixture{st: st, w: w, sub: sub, srv: newMetricServer(t), clk: &clock{}, logs: &logBuffer{}}
	f.start = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	f.clk.set(f.start.Add(5 * time.Minute))
	st.Now = f.clk.now
	if _, err := storetest.Listing(st).UpdateProduct(ctx, w.VendorA.Principal, w.ProductA.ID, listing.ProductUpdate{Metadata: &map[string]string{key: f.srv.srv.URL + "/metrics"}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) poller(allowPrivate bool) *metering.Poller {
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return metering.New(f.st, log, metering.Config{AllowPrivate: allowPrivate, Now: f.clk.now, Timeout: 2 * time.Second})
}

func (f *fixture) pollOnce(t *testing.T, p *metering.Poller) metering.Stats {
	t.Helper()
	s, err := p.PollOnce(ctx)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return s
}

func (f *fixture) summary(t *testing.T, metric string) (string, int) {
	t.Helper()
	s, err := usage.New(f.st, store.TxFunc[usage.Tx](f.st)).Summary(ctx, f.w.Platform.Principal, f.sub, metric, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Quantity.String(), s.Records
}

func (f *fixture) records(t *testing.T) int {
	t.Helper()
	return storetest.Counts(t, f.st)["usage_records"]
}

// readings answers a counter (api_calls), two gauges (active_users,
// storage_gb, the latter as a string) for every subscription.
func readings(calls, users int, storage string) func(int64) (int, string) {
	return func(int64) (int, string) {
		return http.StatusOK, fmt.Sprintf(`[{"metricsName":"api_calls","value":%d},{"metricsName":"active_users","value":%d},{"metricsName":"storage_gb","value":%q}]`, calls, users, storage)
	}
}

// each runs fn once per engine, in parallel: each run has a store, a world
// and a metric server of its own.
func each(t *testing.T, fn func(t *testing.T, engine store.Engine)) {
	for _, e := range storetest.Engines {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, e)
		})
	}
}

// TestGaugeAndCounter: a counter's cumulative readings become increases, a
// gauge's readings are recorded as read and aggregated by the metric.
func TestGaugeAndCounter(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, engine store.Engine) {
		f := setup(t, engine, "usage.metric_url")
		p := f.poller(true)
		f.srv.set(readings(100, 10, "1.5"))
		if s := f.pollOnce(t, p); s.Products != 1 || s.Subscriptions != 1 || s.Records != 3 || s.Failures != 0 {
			t.Fatalf("first window: %+v", s)
		}
		f.clk.add(time.Hour)
		f.srv.set(readings(130, 20, "3.25"))
		f.pollOnce(t, p)
		f.clk.add(time.Hour)
		f.srv.set(readings(175, 24, "2"))
		f.pollOnce(t, p)

		// api_calls: 100 + 30 + 45 = 175; active_users: (10+20+24)/3 = 18;
		// storage_gb: max 3.25.
		for metric, want := range map[string]string{"api_calls": "175", "active_users": "18", "storage_gb": "3.25"} {
			if got, n := f.summary(t, metric); got != want || n != 3 {
				t.Errorf("%s: %s over %d records, want %s over 3", metric, got, n, want)
			}
		}
		recs, _, err := f.st.ListUsage(ctx, f.w.C1.Principal, f.sub, store.UsageFilter{Metric: "api_calls"}, store.Page{})
		if err != nil || len(recs) != 3 {
			t.Fatalf("records %+v %v", recs, err)
		}
		for i, want := range []struct{ qty, reading string }{{"100", "100"}, {"30", "130"}, {"45", "175"}} {
			r := recs[i]
			if r.Source != usage.SourcePoll || r.Quantity.String() != want.qty || r.Reading == nil || r.Reading.String() != want.reading ||
				!r.PeriodStart.Equal(f.start.Add(time.Duration(i)*time.Hour)) || !r.PeriodEnd.Equal(r.PeriodStart.Add(time.Hour)) {
				t.Fatalf("record %d: %+v", i, r)
			}
		}
		// A counter reset: the new reading is the increase.
		f.clk.add(time.Hour)
		f.srv.set(readings(7, 24, "2"))
		f.pollOnce(t, p)
		if got, _ := f.summary(t, "api_calls"); got != "182" {
			t.Fatalf("after a reset: %s", got)
		}
		if c := f.srv.count(f.sub); c != 4 {
			t.Fatalf("%d calls", c)
		}
	})
}

// TestRestartWithinWindow: another poller (a restarted process) in the same
// window does not poll it again; and when the first died before finishing,
// the window is polled again once its lease ran out, counting nothing twice.
func TestRestartWithinWindow(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, engine store.Engine) {
		f := setup(t, engine, "metrics_url")
		f.srv.set(readings(100, 10, "1"))
		f.pollOnce(t, f.poller(true))
		f.clk.add(20 * time.Minute) // still the same window
		f.srv.set(readings(150, 50, "9"))
		if s := f.pollOnce(t, f.poller(true)); s.Products != 0 {
			t.Fatalf("restart polled again: %+v", s)
		}
		if f.srv.count(f.sub) != 1 || f.records(t) != 3 {
			t.Fatalf("%d calls, %d records", f.srv.count(f.sub), f.records(t))
		}
		// Make it look as if the first process died after recording: the
		// claim unfinished and its lease run out.
		if _, err := f.st.DB().Exec(`UPDATE usage_polls SET finished_at = NULL, locked_until = 0`); err != nil {
			t.Fatal(err)
		}
		if s := f.pollOnce(t, f.poller(true)); s.Products != 1 || s.Records != 0 {
			t.Fatalf("takeover: %+v", s)
		}
		if f.srv.count(f.sub) != 2 || f.records(t) != 3 {
			t.Fatalf("takeover double counted: %d calls, %d records", f.srv.count(f.sub), f.records(t))
		}
		if got, _ := f.summary(t, "api_calls"); got != "100" {
			t.Fatalf("api_calls %s", got)
		}
		// Next window: the counter's increase since the kept reading.
		f.clk.add(time.Hour)
		f.pollOnce(t, f.poller(true))
		if got, _ := f.summary(t, "api_calls"); got != "150" {
			t.Fatalf("next window api_calls %s", got)
		}
	})
}

// TestConcurrentPollers: two processes polling the same window at once call
// each subscription once.
func TestConcurrentPollers(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, engine store.Engine) {
		f := setup(t, engine, "usage.metric_url")
		f.srv.set(readings(5, 1, "1"))
		var wg sync.WaitGroup
		for range 4 {
			p := f.poller(true)
			wg.Go(func() {
				if _, err := p.PollOnce(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if f.srv.count(f.sub) != 1 || f.records(t) != 3 {
			t.Fatalf("%d calls, %d records", f.srv.count(f.sub), f.records(t))
		}
	})
}

// TestFailingMetricURL: a failing URL is logged and counted on the window,
// not retried within it, and polled again in the next window, where the
// counter's reading covers the missed one.
func TestFailingMetricURL(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, engine store.Engine) {
		f := setup(t, engine, "usage.metric_url")
		p := f.poller(true)
		f.srv.set(readings(100, 10, "1"))
		f.pollOnce(t, p)
		f.clk.add(time.Hour)
		f.srv.set(func(int64) (int, string) { return http.StatusInternalServerError, `{"error":"database down"}` })
		if s := f.pollOnce(t, p); s.Failures != 1 || s.Records != 0 {
			t.Fatalf("failing window: %+v", s)
		}
		if !strings.Contains(f.logs.String(), "metric URL failed") || !strings.Contains(f.logs.String(), "status 500") {
			t.Fatalf("not logged: %s", f.logs.String())
		}
		polls, err := f.st.UsagePolls(ctx, f.w.ProductA.ID)
		if err != nil || len(polls) != 2 || polls[1].Failed != 1 || !polls[1].Finished || !strings.Contains(polls[1].LastError, "status 500") {
			t.Fatalf("polls %+v %v", polls, err)
		}
		// Not retried within the window.
		f.clk.add(10 * time.Minute)
		f.srv.set(readings(160, 30, "2"))
		f.pollOnce(t, p)
		if c := f.srv.count(f.sub); c != 2 {
			t.Fatalf("%d calls in the failed window", c)
		}
		// Unreadable answers fail too.
		f.clk.add(time.Hour)
		f.srv.set(func(int64) (int, string) { return http.StatusOK, `{"metricsName":"api_calls","value":"lots"}` })
		if s := f.pollOnce(t, p); s.Failures != 1 {
			t.Fatalf("unreadable: %+v", s)
		}
		// The next window: 160 - 100 = 60 more calls.
		f.clk.add(time.Hour)
		f.srv.set(readings(160, 30, "2"))
		if s := f.pollOnce(t, p); s.Records != 3 || s.Failures != 0 {
			t.Fatalf("recovered: %+v", s)
		}
		if got, n := f.summary(t, "api_calls"); got != "160" || n != 2 {
			t.Fatalf("api_calls %s over %d", got, n)
		}
	})
}

// TestPrivateAddressRefused: without AllowPrivate the loopback metric URL
// is never called.
func TestPrivateAddressRefused(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, engine store.Engine) {
		f := setup(t, engine, "usage.metric_url")
		f.srv.set(readings(1, 1, "1"))
		if s := f.pollOnce(t, f.poller(false)); s.Failures != 1 || s.Records != 0 {
			t.Fatalf("%+v", s)
		}
		if f.srv.count(f.sub) != 0 {
			t.Fatal("the private address was called")
		}
		if !strings.Contains(f.logs.String(), "metric URL refused") {
			t.Fatalf("not logged: %s", f.logs.String())
		}
	})
}

// TestWhichSubscriptions: DEPLOYED and STOPPED subscriptions are polled,
// others not; a single object answer works; unknown metrics are ignored.
func TestWhichSubscriptions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, engine store.Engine) {
		f := setup(t, engine, "usage.metric_url")
		_, stopped := storetest.MeteredSubscription(t, f.st, f.w)
		if _, err := app.Lifecycle(f.st).Act(ctx, f.w.VendorA.Principal, stopped, subscription.ActionSuspend); err != nil {
			t.Fatal(err)
		}
		_, ending := storetest.MeteredSubscription(t, f.st, f.w)
		if _, err := app.Lifecycle(f.st).Act(ctx, f.w.C1.Principal, ending, subscription.ActionTerminate); err != nil {
			t.Fatal(err)
		}
		f.srv.set(func(sub int64) (int, string) {
			return http.StatusOK, fmt.Sprintf(` {"metricsName":"instances","value":%d.5} `, sub)
		})
		s := f.pollOnce(t, f.poller(true))
		if s.Subscriptions != 2 || s.Records != 2 || f.srv.count(ending) != 0 || f.srv.count(stopped) != 1 {
			t.Fatalf("%+v, ending called %d", s, f.srv.count(ending))
		}
		got, _ := usage.New(f.st, store.TxFunc[usage.Tx](f.st)).Summary(ctx, f.w.Platform.Principal, stopped, "instances", time.Time{}, time.Time{})
		if got.Quantity.String() != fmt.Sprintf("%d.5", stopped) {
			t.Fatalf("instances %s", got.Quantity)
		}
		f.clk.add(time.Hour)
		f.srv.set(func(int64) (int, string) {
			return http.StatusOK, `[{"metricsName":"bandwidth","value":1},{"metricsName":"devices","value":2}]`
		})
		if s := f.pollOnce(t, f.poller(true)); s.Records != 0 || s.Failures != 0 || !strings.Contains(f.logs.String(), "value ignored") {
			t.Fatalf("unknown metrics: %+v %s", s, f.logs.String())
		}
	})
}

// TestRun: Run polls at once and stops with its context.
func TestRun(t *testing.T) {
	t.Parallel()
	f := setup(t, store.SQLite, "usage.metric_url")
	f.srv.set(readings(1, 1, "1"))
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f.poller(true).Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for f.records(t) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil || f.records(t) != 3 {
		t.Fatalf("run: %v, %d records", err, f.records(t))
	}
}

func TestParseMetrics(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"metricsName":"a","value":1}`:                                        "a=1",
		`[{"metricsName":"a","value":"2.50"},{"metricsName":"b","value":1e3}]`: "a=2.5 b=1000",
		`[]`: "",
		`{"metricsName":"a","value":0.1234567890123456}`: "a=0.123456789012",
	} {
		rs, err := metering.ParseMetrics([]byte(body), "")
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var parts []string
		for _, r := range rs {
			parts = append(parts, r.Metric+"="+r.Value.String())
		}
		if got := strings.Join(parts, " "); got != want {
			t.Errorf("%s: %q, want %q", body, got, want)
		}
	}
	for _, body := range []string{``, `null`, `{"value":1}`, `{"metricsName":"a","value":null}`, `{"metricsName":"a","value":"x"}`, `[1]`, `{"metricsName":"a","value":1e30}`} {
		if _, err := metering.ParseMetrics([]byte(body), ""); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}
