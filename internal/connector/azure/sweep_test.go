package azure_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/connector/azure"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// noToken is a credential the sweep test never uses: its subscriptions are
// not Azure products, so the connector reads them and calls nothing in Azure.
type noToken struct{}

func (noToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{}, fmt.Errorf("no token in this test")
}

// TestSweepIsBounded replays the audit's sweep: many pending subscriptions
// make the connector work on at most Workers of them at once (measured as
// concurrent reads of a subscription at the real marketplace API), and every
// one of them is still read.
func TestSweepIsBounded(t *testing.T) {
	const (
		pending = 120
		workers = 4
	)
	st := storetest.Open(t, store.SQLite)
	w := storetest.NewWorld(t, st)
	log := slog.New(slog.DiscardHandler)
	var inFlight, most, reads atomic.Int64
	apiHandler := app.NewAPI(st, log)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/subscriptions/") {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			reads.Add(1)
			time.Sleep(2 * time.Millisecond) // a marketplace under load
		}
		apiHandler.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	client := srv.Client()
	for i := range pending {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/orders", strings.NewReader(fmt.Sprintf(`{"plan_id":%d,"quantity":1}`, w.PlanA.ID)))
		req.Header.Set("Authorization", "Bearer "+w.C1.Token)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("order %d: %v %v", i, err, res)
		}
		res.Body.Close()
	}

	c, err := azure.New(azure.Config{MarketplaceURL: srv.URL, Token: w.VendorA.Token, SubscriptionID: azureSub, Credential: noToken{},
		Sweep: time.Hour, Workers: workers, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = c.Run(ctx) })
	deadline := time.Now().Add(30 * time.Second)
	for reads.Load() < pending && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if got := reads.Load(); got < pending {
		t.Fatalf("%d of %d pending subscriptions read", got, pending)
	}
	if got := most.Load(); got > workers {
		t.Fatalf("%d subscriptions worked on at once, want at most %d", got, workers)
	}
	t.Logf("%d subscriptions, at most %d at once", reads.Load(), most.Load())
}
