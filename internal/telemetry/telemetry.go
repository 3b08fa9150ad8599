// Package telemetry is how Mercato is observed: Prometheus metrics (HTTP
// requests by route and status with latency histograms, webhook deliveries
// and their latency, the delivery queue's depth and age, billing runs,
// connector calls), request ids carried into every log line, and the HTTP
// middleware that records them and sets the security headers.
package telemetry

import (
	"context"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds Mercato's metrics. It is not the global default registry,
// so tests and several servers in one process stay apart.
var Registry = prometheus.NewRegistry()

var (
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mercato_http_requests_total", Help: "HTTP requests by route, method and status.",
	}, []string{"route", "method", "status"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "mercato_http_request_duration_seconds", Help: "HTTP request latency by route and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"route", "method"})

	// WebhookDeliveries counts delivery attempts by outcome (delivered,
	// retry, retry_after, gone, exhausted).
	WebhookDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mercato_webhook_deliveries_total", Help: "Webhook delivery attempts by outcome.",
	}, []string{"outcome"})
	// WebhookLatency is the time receivers took to answer.
	WebhookLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "mercato_webhook_delivery_duration_seconds", Help: "Time a webhook receiver took to answer (or to fail).",
		Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
	})
	// BillingRuns counts billing runs by outcome (ok, failed).
	BillingRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mercato_billing_runs_total", Help: "Billing runs by outcome.",
	}, []string{"outcome"})
	// ConnectorCalls counts calls a connector made to Microsoft (Partner
	// Center, Azure Resource Manager, Entra ID) by outcome.
	ConnectorCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mercato_connector_calls_total", Help: "Connector calls to Microsoft by connector, operation and outcome.",
	}, []string{"connector", "operation", "outcome"})
)

func init() {
	Registry.MustRegister(httpRequests, httpDuration, WebhookDeliveries, WebhookLatency, BillingRuns, ConnectorCalls,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
}

// Handler serves the metrics in Prometheus' text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}

// Backlog reports the delivery queue: how many deliveries wait, and since
// when the oldest.
type Backlog func(ctx context.Context) (pending int64, oldest time.Time, err error)

// RegisterQueue adds gauges read from the database at every scrape. Call it
// once per process.
func RegisterQueue(backlog Backlog) error {
	return Registry.Register(queueCollector{backlog: backlog,
		depth: prometheus.NewDesc("mercato_webhook_queue_depth", "Webhook deliveries waiting to be sent.", nil, nil),
		age:   prometheus.NewDesc("mercato_webhook_queue_oldest_age_seconds", "Age of the oldest waiting webhook delivery.", nil, nil),
	})
}

type queueCollector struct {
	backlog    Backlog
	depth, age *prometheus.Desc
}

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.depth; ch <- c.age }

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pending, oldest, err := c.backlog(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.depth, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(pending))
	age := 0.0
	if !oldest.IsZero() {
		age = time.Since(oldest).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, age)
}
