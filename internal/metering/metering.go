// Package metering pulls metered usage from the products that publish it,
// the way Cloudesire does: a product names a metric URL in its integration
// metadata (key "usage.metric_url", or "metrics_url"), and once per poll
// window (default one hour) Mercato calls
//
//	GET <url>
//	CD-Subscription-Id: <subscription id>
//	Accept: application/json
//
// for each of the product's DEPLOYED and STOPPED subscriptions, and reads
// {"metricsName": "api_calls", "value": 1234} or a list of such objects
// (value a JSON number or a decimal string). A metric (billing item) may
// instead have a URL of its own, as Cloudesire's per-metric "custom metric
// endpoint": metadata "usage.metric_url.<metric>" (absolute, or a path
// resolved against the product-wide URL), answering {"value": 3.0} with or
// without a metricsName; its value is that metric's. Each value becomes a usage
// record with source "poll" and the idempotency key
// "poll:<window start>:<metric>", so polling a window again (after a
// restart, or by another process) never counts anything twice.
//
// # Gauges and counters
//
// What a value means follows the aggregation of the plan's metric:
//
//   - max, average, last: the metric is a gauge (active users, GB
//     stored). The value is the current level and is recorded as read;
//     billing peaks, averages or takes the last of the window's samples.
//   - sum: the metric is a counter (API calls). The value is cumulative,
//     the total since the subscription began, like a Prometheus counter;
//     the record's quantity is the increase since the previous window's
//     reading (its reading is kept beside it), the whole value for the
//     first reading, and the whole value again after a reset (a reading
//     lower than the previous one). Cumulative readings make pull safe: a
//     window that fails, or whose answer is lost, is caught up by the next
//     reading, and the product keeps no per-poller state.
//   - unique_count: a value holds no ids, so such metrics are pushed
//     through the API (POST /api/v1/subscriptions/{id}/usage with
//     unique_id), and polled values of them are ignored.
//
// Values of metrics the plan does not have, and negative ones, are logged
// and ignored.
//
// # Several processes
//
// Every process may run a poller. For each product and window, the first
// to insert the window's usage_polls row polls it; the others skip it. A
// claim has a lease (default ten minutes): when its process dies before
// finishing, another process takes the window over once the lease runs
// out, and the idempotency keys keep the records it had already made from
// being counted again. A metric URL that fails (an error status, no
// answer in time, an unreadable body, an address the URL policy refuses)
// is logged, counted on the window's row, and tried again in the next
// window; for a counter, the next reading covers the missed window.
//
// The HTTP client refuses private, loopback and link-local addresses at
// connection time, as webhook delivery does, unless the operator allows
// them (--webhooks-allow-private, or the demo). Redirects are not followed.
package metering

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/usage"
)

// MetricURLKeys are the product metadata keys that name a metric URL, the
// first set one winning.
var MetricURLKeys = []string{"usage.metric_url", "metrics_url"}

// SubscriptionHeader carries the subscription id to the metric URL.
const SubscriptionHeader = "CD-Subscription-Id"

// Defaults.
const (
	DefaultInterval = time.Hour
	DefaultTimeout  = 15 * time.Second
	DefaultLease    = 10 * time.Minute
	maxBody         = 1 << 20
)

// Config tunes a poller; zero values take the defaults.
type Config struct {
	Interval     time.Duration // the poll window (default 1h); windows are aligned to multiples of it since the Unix epoch
	Timeout      time.Duration // per request (default 15s)
	Lease        time.Duration // how long a claimed window is ours before another process may take it (default 10m)
	Workers      int           // concurrent requests per product (default 4)
	AllowPrivate bool          // allow private and loopback addresses and plain http (development, demo)
	// Check is how often Run looks for windows left unpolled (new
	// products, expired claims) between window starts (default: one
	// minute, at most the interval).
	Check time.Duration
	// Now is the clock (default time.Now); tests move it.
	Now func() time.Time
	// Recorder records what a poll read (default: internal/usage over
	// the store).
	Recorder Recorder
}

// Recorder records polled readings (internal/usage).
type Recorder interface {
	RecordPolledUsage(ctx context.Context, subID int64, start, end time.Time, readings []usage.Reading) ([]usage.Record, []string, error)
}

// Poller polls metric URLs into usage records.
type Poller struct {
	st     *store.Store
	log    *slog.Logger
	cfg    Config
	client *http.Client
	policy syndication.URLPolicy
}

// New returns a poller over st.
func New(st *store.Store, log *slog.Logger, cfg Config) *Poller {
	if cfg.Recorder == nil {
		cfg.Recorder = usage.New(st, store.TxFunc[usage.Tx](st))
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Check <= 0 {
		cfg.Check = min(time.Minute, cfg.Interval)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := syndication.Client(cfg.AllowPrivate, cfg.Workers, cfg.Timeout)
	return &Poller{st: st, log: log, cfg: cfg, client: client, policy: syndication.URLPolicy{AllowPrivate: cfg.AllowPrivate}}
}

// Window returns the poll window that contains t.
func (p *Poller) Window(t time.Time) (start, end time.Time) {
	start = t.UTC().Truncate(p.cfg.Interval)
	return start, start.Add(p.cfg.Interval)
}

// Run polls every window until ctx ends.
func (p *Poller) Run(ctx context.Context) error {
	defer p.client.CloseIdleConnections()
	for ctx.Err() == nil {
		if _, err := p.PollOnce(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("usage poll", "err", err)
		}
		now := p.cfg.Now()
		_, next := p.Window(now)
		wait := min(next.Sub(now), p.cfg.Check)
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	return nil
}

// Stats counts what one PollOnce did.
type Stats struct {
	Products      int // windows claimed and polled
	Subscriptions int // metric URL calls that answered
	Failures      int // metric URL calls that failed
	Records       int // usage records created
}

// PollOnce polls the current window of every metered product this process
// can claim.
func (p *Poller) PollOnce(ctx context.Context) (Stats, error) {
	var st Stats
	start, end := p.Window(p.cfg.Now())
	products, err := p.st.MeteredProducts(ctx, append(MetricURLKeys[:len(MetricURLKeys):len(MetricURLKeys)], PerMetricPrefix))
	if err != nil {
		return st, err
	}
	var errs []error
	for _, prod := range products {
		if ctx.Err() != nil {
			break
		}
		ok, err := p.st.ClaimUsagePoll(ctx, prod.ID, start, p.cfg.Lease)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		ps, err := p.pollProduct(ctx, prod, start, end)
		st.Products++
		st.Subscriptions += ps.Subscriptions
		st.Failures += ps.Failures
		st.Records += ps.Records
		if err != nil {
			errs = append(errs, err)
		}
	}
	return st, errors.Join(errs...)
}

// MetricURL returns the product-wide metric URL a product names, or "".
func MetricURL(prod catalog.Product) string {
	for _, k := range MetricURLKeys {
		if u := strings.TrimSpace(prod.Metadata[k]); u != "" {
			return u
		}
	}
	return ""
}

// PerMetricPrefix starts the metadata keys that give one metric (billing
// item) its own URL, as Cloudesire's per-metric "custom metric endpoint":
// "usage.metric_url.<metric>". Its value is an absolute URL, or a path
// resolved against the product-wide metric URL.
const PerMetricPrefix = "usage.metric_url."

// Source is one URL to poll and the metric it answers for: "" for a
// product-wide URL, whose answers name their metrics (metricsName).
type Source struct {
	URL    string
	Metric string
}

// Sources lists what to poll for a product: its product-wide metric URL
// and each per-metric URL, in metric order. A relative per-metric URL
// without a product-wide URL to resolve against is reported.
func Sources(prod catalog.Product) ([]Source, error) {
	var out []Source
	base := MetricURL(prod)
	if base != "" {
		out = append(out, Source{URL: base})
	}
	var metrics []string
	for k := range prod.Metadata {
		if name, ok := strings.CutPrefix(k, PerMetricPrefix); ok && name != "" && strings.TrimSpace(prod.Metadata[k]) != "" {
			metrics = append(metrics, name)
		}
	}
	sort.Strings(metrics)
	for _, m := range metrics {
		ref, err := url.Parse(strings.TrimSpace(prod.Metadata[PerMetricPrefix+m]))
		if err != nil {
			return out, fmt.Errorf("metric %s: URL: %w", m, err)
		}
		if !ref.IsAbs() {
			if base == "" {
				return out, fmt.Errorf("metric %s: relative URL %q and no product metric URL (%s) to resolve it against", m, ref, MetricURLKeys[0])
			}
			b, err := url.Parse(base)
			if err != nil {
				return out, fmt.Errorf("product metric URL: %w", err)
			}
			ref = b.ResolveReference(ref)
		}
		out = append(out, Source{URL: ref.String(), Metric: m})
	}
	return out, nil
}

// pollProduct polls one claimed window of a product and records how it
// went. An error means the window was not finished (the store failed, or
// ctx ended): its lease runs out and it is polled again.
func (p *Poller) pollProduct(ctx context.Context, prod catalog.Product, start, end time.Time) (Stats, error) {
	var st Stats
	log := p.log.With("product", prod.ID, "window", start.Format(time.RFC3339))
	sources, err := Sources(prod)
	if err == nil {
		for _, src := range sources {
			if err = p.policy.Check(ctx, src.URL); err != nil {
				err = fmt.Errorf("%s: %w", src.URL, err)
				break
			}
		}
	}
	if err != nil {
		log.Warn("usage poll: metric URL refused", "err", err)
		st.Failures++
		return st, p.st.FinishUsagePoll(ctx, prod.ID, start, 0, 1, err.Error())
	}
	subs, err := p.st.PollableSubscriptions(ctx, prod.ID)
	if err != nil {
		return st, err
	}
	var (
		mu      sync.Mutex
		lastErr string
		errs    []error
		wg      sync.WaitGroup
		sem     = make(chan struct{}, p.cfg.Workers)
	)
	for _, sub := range subs {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var readings []usage.Reading
			for _, src := range sources {
				r, err := p.fetch(ctx, src, sub.ID)
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					log.Warn("usage poll: metric URL failed; next try in the next window", "url", src.URL, "subscription", sub.ID, "err", err)
					mu.Lock()
					st.Failures++
					lastErr = fmt.Sprintf("subscription %d: %s: %v", sub.ID, src.URL, err)
					mu.Unlock()
					return
				}
				readings = append(readings, r...)
			}
			created, skipped, err := p.cfg.Recorder.RecordPolledUsage(ctx, sub.ID, start, end, readings)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			st.Subscriptions++
			st.Records += len(created)
			for _, s := range skipped {
				log.Info("usage poll: value ignored", "subscription", sub.ID, "reason", s)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if len(errs) > 0 {
		return st, errors.Join(errs...)
	}
	return st, p.st.FinishUsagePoll(ctx, prod.ID, start, st.Subscriptions, st.Failures, lastErr)
}

// metricValue is one entry of a metric URL's answer.
type metricValue struct {
	MetricsName string          `json:"metricsName"`
	Value       json.RawMessage `json:"value"`
}

// fetch calls a metric URL for one subscription and parses its answer.
func (p *Poller) fetch(ctx context.Context, src Source, subID int64) ([]usage.Reading, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(SubscriptionHeader, strconv.FormatInt(subID, 10))
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "Mercato-Metering/1")
	res, err := p.client.Do(req)
	if err != nil {
		var te interface{ Timeout() bool }
		if errors.As(err, &te) && te.Timeout() {
			return nil, fmt.Errorf("no answer within %s", p.cfg.Timeout)
		}
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, fmt.Errorf("status %d: %.200s", res.StatusCode, bytes.ToValidUTF8(body, []byte("?")))
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("answer larger than %d bytes", maxBody)
	}
	return ParseMetrics(body, src.Metric)
}

// ParseMetrics reads a metric URL's answer: one {"metricsName","value"}
// object or a list of them; value is a JSON number or a decimal string.
// metric is the metric a per-metric URL answers for ("" for a product-wide
// URL): its answer may leave metricsName out (Cloudesire documents
// {"value": 3.0}), and its values are that metric's whatever name they
// carry.
func ParseMetrics(body []byte, metric string) ([]usage.Reading, error) {
	body = bytes.TrimSpace(body)
	var entries []metricValue
	if len(body) > 0 && body[0] == '[' {
		if err := json.Unmarshal(body, &entries); err != nil {
			return nil, fmt.Errorf("answer is not a list of {metricsName, value}: %w", err)
		}
	} else {
		var one metricValue
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, fmt.Errorf("answer is not {metricsName, value}: %w", err)
		}
		entries = []metricValue{one}
	}
	out := make([]usage.Reading, 0, len(entries))
	if metric != "" && len(entries) != 1 {
		return nil, fmt.Errorf("answer has %d values; the URL of metric %s answers one", len(entries), metric)
	}
	for i, e := range entries {
		if metric != "" {
			e.MetricsName = metric
		}
		if e.MetricsName == "" {
			return nil, fmt.Errorf("entry %d: no metricsName", i)
		}
		raw := string(e.Value)
		if s, err := strconv.Unquote(raw); err == nil {
			raw = s
		}
		v, err := decimal.NewFromString(raw)
		if err != nil {
			return nil, fmt.Errorf("entry %d (%s): value %q is not a number", i, e.MetricsName, string(e.Value))
		}
		if v.Abs().GreaterThanOrEqual(decimal.New(1, 18)) {
			return nil, fmt.Errorf("entry %d (%s): value %s out of range", i, e.MetricsName, v)
		}
		out = append(out, usage.Reading{Metric: e.MetricsName, Value: v.Round(12)})
	}
	return out, nil
}
