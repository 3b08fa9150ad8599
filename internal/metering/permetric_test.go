package metering_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/metering"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestPerMetricURLs polls a product whose metrics each have their own URL,
// answering as Cloudesire documents a metric endpoint: {"value": 3.0},
// without metricsName, or with a name of the vendor's own. Each value is
// recorded under the metric its URL is for, as a counter or a gauge.
func TestPerMetricURLs(t *testing.T) {
	each(t, func(t *testing.T, engine store.Engine) {
		f := setup(t, engine, "usage.metric_url")
		var (
			mu    sync.Mutex
			calls = "100"
			paths []string
		)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if r.Header.Get("CD-Subscription-Id") == "" {
				http.Error(w, "no subscription", http.StatusBadRequest)
				return
			}
			paths = append(paths, r.URL.Path)
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			switch r.URL.Path {
			case "/metric/calls":
				_, _ = w.Write([]byte(`{"value": ` + calls + `.0}`))
			case "/metric/users":
				_, _ = w.Write([]byte(`{"metricsName": "current_users", "value": 3.0}`))
			default:
				http.NotFound(w, r)
			}
		}))
		t.Cleanup(srv.Close)
		meta := map[string]string{
			metering.PerMetricPrefix + "api_calls":    srv.URL + "/metric/calls",
			metering.PerMetricPrefix + "active_users": srv.URL + "/metric/users",
		}
		if _, err := storetest.Listing(f.st).UpdateProduct(ctx, f.w.VendorA.Principal, f.w.ProductA.ID, listing.ProductUpdate{Metadata: &meta}); err != nil {
			t.Fatal(err)
		}
		p := f.poller(true)
		if s := f.pollOnce(t, p); s.Products != 1 || s.Subscriptions != 1 || s.Records != 2 || s.Failures != 0 {
			t.Fatalf("first window: %+v (%s)", s, f.logs)
		}
		mu.Lock()
		calls = "130"
		mu.Unlock()
		f.clk.add(time.Hour)
		f.pollOnce(t, p)
		if got, n := f.summary(t, "api_calls"); got != "130" || n != 2 {
			t.Errorf("api_calls (a counter): %s over %d records, want 130 over 2", got, n)
		}
		if got, n := f.summary(t, "active_users"); got != "3" || n != 2 {
			t.Errorf("active_users (a gauge): %s over %d records, want 3 over 2", got, n)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(paths) != 4 {
			t.Errorf("metric URLs called %v, want each of the two once a window", paths)
		}
	})
}

// TestSources resolves per-metric URLs: absolute ones as they are, paths
// against the product-wide URL, and refuses a path with nothing to resolve
// it against.
func TestSources(t *testing.T) {
	t.Parallel()
	prod := catalog.Product{Metadata: map[string]string{
		"usage.metric_url":                 "https://vendor.example/api/metrics",
		metering.PerMetricPrefix + "users": "/metric/users",
		metering.PerMetricPrefix + "calls": "https://other.example/calls",
		metering.PerMetricPrefix + "blank": "  ",
	}}
	got, err := metering.Sources(prod)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, src := range got {
		s = append(s, src.Metric+"="+src.URL)
	}
	if want := "=https://vendor.example/api/metrics calls=https://other.example/calls users=https://vendor.example/metric/users"; strings.Join(s, " ") != want {
		t.Fatalf("sources %v, want %s", s, want)
	}
	if _, err := metering.Sources(catalog.Product{Metadata: map[string]string{metering.PerMetricPrefix + "users": "/metric/users"}}); err == nil {
		t.Fatal("a relative URL without a base was accepted")
	}
}

// TestParseMetricsPerMetric reads answers of a per-metric URL.
func TestParseMetricsPerMetric(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"value": 3.0}`: "users=3",
		`{"metricsName":"current_users","value":"7"}`: "users=7",
		`[{"value": 2}]`: "users=2",
	} {
		rs, err := metering.ParseMetrics([]byte(body), "users")
		if err != nil || len(rs) != 1 || rs[0].Metric+"="+rs[0].Value.String() != want {
			t.Errorf("%s: %+v %v, want %s", body, rs, err, want)
		}
	}
	for _, body := range []string{`[]`, `[{"value":1},{"value":2}]`, `{"value":"x"}`} {
		if _, err := metering.ParseMetrics([]byte(body), "users"); err == nil {
			t.Errorf("%s: no error", body)
		}
	}
}
