package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
)

// runBilling starts a billing run through the API (202 with its
// Location) and reads the run there until it has ended.
func (e *env) runBilling(t *testing.T, period string) response {
	t.Helper()
	r := e.call("POST", "/api/v1/billing-runs", e.w.Platform.Token, map[string]any{"period": period}).must(t, http.StatusAccepted)
	loc := r.header.Get("Location")
	if want := fmt.Sprintf("/api/v1/billing-runs/%d", int64(r.body["id"].(float64))); loc != want || r.str("status") != "running" {
		t.Fatalf("started: Location %q, want %q: %s", loc, want, r.raw)
	}
	return e.awaitRun(t, loc)
}

// awaitRun reads a run until it is no longer running (bounded).
func (e *env) awaitRun(t *testing.T, loc string) response {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := e.call("GET", loc, e.w.Platform.Token, nil).must(t, http.StatusOK)
		if got.str("status") != "running" {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("still running: %s", got.raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBillingRunIsAJob starts a billing run over the API: 202 at once with
// the run and its Location; held after its first chunk (one customer a
// chunk), GET shows its progress (1 of 2 customers, the invoice issued so
// far) and a second start is refused with 409 naming it; released, GET
// reaches finished with every invoice. Only the platform reads runs.
func TestBillingRunIsAJob(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *env) {
		w := e.w
		reached, release := make(chan struct{}, 1), make(chan struct{})
		svcs := app.New(e.st, app.Options{Billing: []billingrun.Option{billingrun.WithChunk(1), billingrun.WithAfterChunk(func(ctx context.Context, run billing.Run) {
			if run.CustomersDone == 1 {
				reached <- struct{}{}
				<-release
			}
		})}})
		ts := httptest.NewServer(api.New(svcs.API(), slog.New(slog.NewTextHandler(io.Discard, nil))))
		t.Cleanup(ts.Close)
		e = &env{t: t, st: e.st, w: w, url: ts.URL}
		for _, c := range []struct {
			token string
			seats int
		}{{w.C1.Token, 3}, {w.C2.Token, 1}} {
			o := e.call("POST", "/api/v1/orders", c.token, map[string]any{"plan_id": w.PlanA.ID, "quantity": c.seats}).must(t, http.StatusCreated)
			e.call("PATCH", fmt.Sprintf("/api/v1/subscriptions/%d", int64(o.body["subscription_id"].(float64))), w.VendorA.Token,
				map[string]any{"deployment_status": "DEPLOYED"}).must(t, http.StatusOK)
		}
		period := billing.MonthOf(e.st.Now()).String()
		started := e.call("POST", "/api/v1/billing-runs", w.Platform.Token, map[string]any{"period": period}).must(t, http.StatusAccepted)
		loc := started.header.Get("Location")
		if started.str("status") != "running" || !strings.HasPrefix(loc, "/api/v1/billing-runs/") {
			t.Fatalf("started: %q %s", loc, started.raw)
		}
		<-reached
		mid := e.call("GET", loc, w.Platform.Token, nil).must(t, http.StatusOK)
		if mid.str("status") != "running" || mid.body["customers"] != 2.0 || mid.body["customers_done"] != 1.0 || mid.body["invoices"] != 1.0 {
			t.Fatalf("midway: %s", mid.raw)
		}
		second := e.call("POST", "/api/v1/billing-runs", w.Platform.Token, map[string]any{"period": period}).must(t, http.StatusConflict)
		second.isProblem(t)
		if !strings.Contains(second.str("detail"), "billing run "+strings.TrimPrefix(loc, "/api/v1/billing-runs/")+" ") {
			t.Fatalf("409 does not name the running run: %s", second.raw)
		}
		e.call("GET", loc, w.C1.Token, nil).must(t, http.StatusForbidden)
		close(release)
		done := e.awaitRun(t, loc)
		if done.str("status") != "finished" || done.body["invoices"] != 2.0 || done.body["customers_done"] != 2.0 || done.body["finished_at"] == nil {
			t.Fatalf("finished: %s", done.raw)
		}
		e.call("GET", "/api/v1/billing-runs/999999", w.Platform.Token, nil).must(t, http.StatusNotFound)
	})
}
