package bench

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
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/samplevendor"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// VendorWorld is the marketplace (API and webhook delivery) and the sample
// vendor, each on its own loopback server, as in production.
type VendorWorld struct {
	St       *store.Store
	W        *storetest.World
	API      string // base URL of the marketplace
	Vendor   *samplevendor.Vendor
	Deployed chan int64 // subscriptions the vendor reported DEPLOYED
}

// NewVendorWorld builds it on engine, the vendor set up by opts;
// everything stops when tb ends.
func NewVendorWorld(tb storetest.TB, engine store.Engine, opts ...func(*samplevendor.Vendor)) *VendorWorld {
	st := storetest.Open(tb, engine)
	w := storetest.NewWorld(tb, st)
	log := slog.New(slog.DiscardHandler)
	d := dispatch.New(st, log, dispatch.Config{AllowPrivate: true, Delivered: app.Lifecycle(st).Delivered})
	st.OnEvents(d.Wake)
	run, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(run); close(done) }()
	tb.Cleanup(func() { stop(); <-done })
	apiSrv := httptest.NewServer(app.NewAPI(st, log, api.WithWebhooks(syndication.URLPolicy{AllowPrivate: true}, d.SendTest)))
	tb.Cleanup(apiSrv.Close)

	secret, _ := webhook.NewSecret()
	v := samplevendor.New(apiSrv.URL+"/api/", w.VendorA.Token, secret, log)
	wd := &VendorWorld{St: st, W: w, API: apiSrv.URL, Vendor: v, Deployed: make(chan int64, 1024)}
	v.Deployed = func(id int64) { wd.Deployed <- id }
	for _, o := range opts {
		o(v)
	}
	vendorSrv := httptest.NewServer(v.Handler())
	tb.Cleanup(vendorSrv.Close)
	if _, err := webhooks.New(st, store.TxFunc[webhooks.Tx](st)).CreateEndpoint(context.Background(), w.VendorA.Principal, syndication.Endpoint{ProductID: &w.ProductA.ID, URL: vendorSrv.URL, Secret: secret}); err != nil {
		tb.Fatal(err)
	}
	return wd
}

func (wd *VendorWorld) Call(tb storetest.TB, method, path, token string, body any, out any) int {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, wd.API+path, rd)
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

// Order places an order as C1 (who buys on account) and returns the subscription.
func (wd *VendorWorld) Order(tb storetest.TB, subdomain string) int64 {
	tb.Helper()
	var o struct {
		SubscriptionID int64 `json:"subscription_id"`
	}
	if code := wd.Call(tb, "POST", "/api/v1/orders", wd.W.C1.Token, map[string]any{"plan_id": wd.W.PlanA.ID, "quantity": 3,
		"configuration": map[string]any{"subdomain": subdomain}}, &o); code != http.StatusCreated {
		tb.Fatalf("order: %d", code)
	}
	return o.SubscriptionID
}

func (wd *VendorWorld) Status(tb storetest.TB, id int64) string {
	var s struct {
		Status string `json:"deployment_status"`
	}
	wd.Call(tb, "GET", fmt.Sprintf("/api/v1/subscriptions/%d", id), wd.W.C1.Token, nil, &s)
	return s.Status
}

// OrderToDeployed measures the time from POST /api/v1/orders to
// the sample vendor's DEPLOYED report, through webhook delivery and the
// Cloudesire-compatible API, and reports its percentiles (goal: p99 < 50 ms).
func OrderToDeployed(engine store.Engine) func(b B) {
	return func(b B) {
		{
			wd := NewVendorWorld(b, engine)
			var mu sync.Mutex
			var lat []time.Duration
			b.ResetTimer()
			for i := range b.N() {
				start := time.Now()
				id := wd.Order(b, letters(i))
				for got := range wd.Deployed {
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
		}
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
