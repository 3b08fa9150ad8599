package telemetry_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/telemetry"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
)

func TestMiddleware(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&logs, nil)))
	mux := http.NewServeMux()
	mux.HandleFunc("GET /things/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "handled")
		w.WriteHeader(http.StatusTeapot)
	})
	mux.Handle("GET /metrics", telemetry.Handler())
	if err := telemetry.RegisterQueue(func(context.Context) (int64, time.Time, error) { return 7, time.Now().Add(-time.Minute), nil }); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(telemetry.Middleware(mux))
	defer srv.Close()

	req, _ := http.NewRequest("GET", srv.URL+"/things/42", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("X-Request-Id") != "abc-123" || res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("headers %v", res.Header)
	}
	if !strings.Contains(logs.String(), `"request_id":"abc-123"`) {
		t.Fatalf("log without the request id: %s", logs.String())
	}
	// A forged id (a newline to fake log lines) is replaced.
	req, _ = http.NewRequest("GET", srv.URL+"/things/43", nil)
	req.Header.Set("X-Request-Id", "evil\"id with spaces")
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if id := res.Header.Get("X-Request-Id"); id == "" || strings.Contains(id, " ") {
		t.Fatalf("request id %q", id)
	}

	res, err = http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`mercato_http_requests_total{method="GET",route="GET /things/{id}",status="418"} 2`,
		`mercato_http_request_duration_seconds_bucket{method="GET",route="GET /things/{id}"`,
		`mercato_webhook_queue_depth 7`,
		`mercato_webhook_queue_oldest_age_seconds`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestTracing follows one trace from an incoming request through an
// outgoing call made with Transport.
func TestTracing(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	defer otel.SetTracerProvider(noop.NewTracerProvider())
	if _, err := telemetry.SetupTracing(context.Background()); err != nil { // propagator only: no OTEL_* set
		t.Fatal(err)
	}
	var gotParent string
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotParent = r.Header.Get("traceparent")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer downstream.Close()
	client := &http.Client{Transport: telemetry.Transport(nil)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), "POST", downstream.URL, nil)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		w.WriteHeader(http.StatusCreated)
	})
	srv := httptest.NewServer(telemetry.Middleware(mux))
	defer srv.Close()
	res, err := http.Post(srv.URL+"/orders", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	client0, server := spans[0], spans[1]
	if server.Name() != "POST /orders" || client0.Parent().SpanID() != server.SpanContext().SpanID() {
		t.Fatalf("spans %q (parent %s), %q (%s)", client0.Name(), client0.Parent().SpanID(), server.Name(), server.SpanContext().SpanID())
	}
	if !strings.Contains(gotParent, server.SpanContext().TraceID().String()) {
		t.Fatalf("traceparent %q does not carry trace %s", gotParent, server.SpanContext().TraceID())
	}
	if telemetry.TracingEnabled() {
		t.Fatal("tracing on without OTEL_* settings")
	}
}
