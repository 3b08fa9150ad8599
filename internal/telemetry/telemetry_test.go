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
