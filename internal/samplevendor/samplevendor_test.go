package samplevendor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/samplevendor"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// world is the marketplace (API and webhook delivery) and the sample
// vendor, each on its own loopback server, as in production.
type world struct {
	st       *store.Store
	w        *storetest.World
	api      string
	vendor   *samplevendor.Vendor
	deployed chan int64
}

func newWorld(tb testing.TB, engine store.Engine) *world {
	st := storetest.Open(tb, engine)
	w := storetest.NewWorld(tb, st)
	log := slog.New(slog.DiscardHandler)
	d := dispatch.New(st, log, dispatch.Config{AllowPrivate: true})
	st.OnEvents(d.Wake)
	run, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(run); close(done) }()
	tb.Cleanup(func() { stop(); <-done })
	apiSrv := httptest.NewServer(api.New(st, log, api.WithWebhooks(syndication.URLPolicy{AllowPrivate: true}, d.SendTest)))
	tb.Cleanup(apiSrv.Close)

	secret, _ := webhook.NewSecret()
	v := samplevendor.New(apiSrv.URL+"/api/", w.VendorA.Token, secret, log)
	wd := &world{st: st, w: w, api: apiSrv.URL, vendor: v, deployed: make(chan int64, 1024)}
	v.Deployed = func(id int64) { wd.deployed <- id }
	vendorSrv := httptest.NewServer(v.Handler())
	tb.Cleanup(vendorSrv.Close)
	if _, err := st.CreateEndpoint(context.Background(), w.VendorA.Principal, syndication.Endpoint{ProductID: &w.ProductA.ID, URL: vendorSrv.URL, Secret: secret}); err != nil {
		tb.Fatal(err)
	}
	return wd
}

func (wd *world) call(tb testing.TB, method, path, token string, body any, out any) int {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, wd.api+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

// order places an order as C1 (who buys on account) and returns the subscription.
func (wd *world) order(tb testing.TB, subdomain string) int64 {
	tb.Helper()
	var o struct {
		SubscriptionID int64 `json:"subscription_id"`
	}
	if code := wd.call(tb, "POST", "/api/v1/orders", wd.w.C1.Token, map[string]any{"plan_id": wd.w.PlanA.ID, "quantity": 3,
		"configuration": map[string]any{"subdomain": subdomain}}, &o); code != http.StatusCreated {
		tb.Fatalf("order: %d", code)
	}
	return o.SubscriptionID
}

func (wd *world) status(tb testing.TB, id int64) string {
	var s struct {
		Status string `json:"deployment_status"`
	}
	wd.call(tb, "GET", fmt.Sprintf("/api/v1/subscriptions/%d", id), wd.w.C1.Token, nil, &s)
	return s.Status
}

func waitUntil(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSampleVendor drives a subscription through its whole life with the
// sample vendor answering the webhooks, on both engines.
func TestSampleVendor(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(string(engine), func(t *testing.T) {
			wd := newWorld(t, engine)
			id := wd.order(t, "acme")
			waitUntil(t, "DEPLOYED", func() bool { return wd.status(t, id) == "DEPLOYED" })
			if tn := wd.vendor.Tenants()[id]; tn.Name != "acme" || !tn.Active {
				t.Fatalf("tenant %+v", tn)
			}
			var eps struct {
				Endpoints []struct{ Endpoint, Category string } `json:"endpoints"`
			}
			wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/endpoints", id), wd.w.C1.Token, nil, &eps)
			if len(eps.Endpoints) == 0 || eps.Endpoints[0].Endpoint != "https://acme.crm.contoso.example/" || eps.Endpoints[0].Category != "APP" {
				t.Fatalf("endpoints %+v", eps)
			}
			var creds struct {
				Credentials []struct{ Key, Value string } `json:"credentials"`
			}
			wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d/credentials", id), wd.w.C1.Token, nil, &creds)
			if len(creds.Credentials) != 1 || len(creds.Credentials[0].Value) != 24 {
				t.Fatalf("credentials %+v", creds)
			}

			wd.call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/suspend", id), wd.w.R1.Token, nil, nil)
			waitUntil(t, "the tenant suspended", func() bool { return !wd.vendor.Tenants()[id].Active })
			wd.call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/resume", id), wd.w.R1.Token, nil, nil)
			waitUntil(t, "the tenant resumed", func() bool { return wd.vendor.Tenants()[id].Active })
			wd.call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/terminate", id), wd.w.C1.Token, nil, nil)
			waitUntil(t, "UNDEPLOYED", func() bool { return wd.status(t, id) == "UNDEPLOYED" })
			if _, ok := wd.vendor.Tenants()[id]; ok {
				t.Fatal("the tenant survived termination")
			}
			evs, _, _ := wd.st.ListEvents(context.Background(), wd.w.Platform.Principal, store.EventFilter{Entity: "Subscription", EntityID: id}, store.Page{Limit: 200})
			if last := evs[len(evs)-1]; last.Type != "DELETED" {
				t.Fatalf("last event %s", last.Type)
			}
			// An unpaid order is not provisioned until it is paid.
			var o struct {
				SubscriptionID int64 `json:"subscription_id"`
			}
			wd.call(t, "POST", "/api/v1/orders", wd.w.C1b.Token, map[string]any{"plan_id": wd.w.PlanA.ID, "quantity": 1}, &o)
			time.Sleep(100 * time.Millisecond)
			if _, ok := wd.vendor.Tenants()[o.SubscriptionID]; ok {
				t.Fatal("an unpaid order was provisioned")
			}
			var unpaid struct {
				Status string `json:"deployment_status"`
			}
			wd.call(t, "GET", fmt.Sprintf("/api/v1/subscriptions/%d", o.SubscriptionID), wd.w.C1b.Token, nil, &unpaid)
			if unpaid.Status != "WAITING_PAYMENT" {
				t.Fatalf("unpaid order is %s", unpaid.Status)
			}
			wd.call(t, "POST", fmt.Sprintf("/api/v1/subscriptions/%d/pay", o.SubscriptionID), wd.w.R1.Token, nil, nil)
			waitUntil(t, "the paid order deployed", func() bool { _, ok := wd.vendor.Tenants()[o.SubscriptionID]; return ok })
		})
	}
}

// BenchmarkOrderToDeployed measures the time from POST /api/v1/orders to
// the sample vendor's DEPLOYED report, through webhook delivery and the
// Cloudesire-compatible API, and reports its percentiles (goal: p99 < 50 ms).
func BenchmarkOrderToDeployed(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), func(b *testing.B) {
			wd := newWorld(b, engine)
			var mu sync.Mutex
			var lat []time.Duration
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				id := wd.order(b, letters(i))
				for got := range wd.deployed {
					if got == id {
						break
					}
				}
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
			b.ReportMetric(float64(pct(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(pct(0.99).Microseconds())/1000, "p99-ms")
			b.Logf("%s: %d orders to DEPLOYED: p50 %s, p99 %s, max %s", engine, len(lat), pct(0.5), pct(0.99), lat[len(lat)-1])
		})
	}
}

// letters spells n in base 26 with a "ten" prefix: a valid subdomain.
func letters(n int) string {
	out := []byte("ten")
	for {
		out = append(out, byte('a'+n%26))
		n /= 26
		if n == 0 {
			return string(out)
		}
	}
}
