package api_test

import (
	"net/http"
	"testing"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/store"
)

// TestRateLimit checks the limit per API token: a burst passes, the next
// request gets 429 with Retry-After, and other tokens are not affected.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, store.SQLite, api.WithRateLimit(0.5, 3))
	for range 3 {
		e.call("GET", "/api/v1/me", e.w.C1.Token, nil).must(t, http.StatusOK)
	}
	r := e.call("GET", "/api/v1/me", e.w.C1.Token, nil).must(t, http.StatusTooManyRequests)
	r.isProblem(t)
	if r.header.Get("Retry-After") != "2" {
		t.Fatalf("Retry-After %q, want 2", r.header.Get("Retry-After"))
	}
	e.call("GET", "/api/v1/me", e.w.C2.Token, nil).must(t, http.StatusOK)
}
