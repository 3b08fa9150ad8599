package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestReplicas runs three `mercato serve` replicas on one PostgreSQL with
// the sample vendor as a process of its own, drives orders through all the
// replicas, kills one with SIGKILL mid-burst, and checks that every
// committed event reached a real receiver (none under two webhook-ids) and
// every order was provisioned, each exactly once.
func TestReplicas(t *testing.T) {
	db := storetest.PostgresSchema(t)
	// No rate limit: the burst is the point here. Since the front door, the
	// sample vendor's thousands of Cloudesire calls (on one replica, within
	// seconds) draw on its user's budget like /api/v1 calls do.
	env := []string{"MERCATO_DATABASE_URL=" + db, "MERCATO_WEBHOOKS_LEASE=2s", "MERCATO_API_RATE_LIMIT=0"}
	const admin, vendor, customer = "mct_demo_platform_admin", "mct_demo_vendor_contoso", "mct_demo_customer_adatum"

	// Seed the demo data once, then run the replicas without it.
	seed := start(t, nil, env)
	seed.waitReady(t)
	seed.stop(t)
	var replicas []*server
	for range 3 {
		addr := freeAddr(t)
		r := startProcess(t, addr, []string{"serve", "--addr", addr, "--public-url", "http://" + addr, "--webhooks-allow-private"}, env)
		r.waitReady(t)
		replicas = append(replicas, r)
	}
	first := replicas[0]

	// The seeding's in-process vendor is gone: its endpoint is disabled and
	// the sample vendor runs as its own process.
	var eps struct {
		Items []struct {
			ID  int64  `json:"id"`
			URL string `json:"url"`
		} `json:"items"`
	}
	first.getJSON(t, "/api/v1/webhook-endpoints", vendor, &eps)
	for _, e := range eps.Items {
		first.do(t, "PATCH", fmt.Sprintf("/api/v1/webhook-endpoints/%d", e.ID), vendor, []byte(`{"enabled":false}`), http.StatusOK)
	}
	vendorAddr := freeAddr(t)
	var ep struct {
		Secret string `json:"secret"`
	}
	crm := productID(t, first, customer, "saas")
	raw := first.do(t, "POST", fmt.Sprintf("/api/v1/products/%d/webhook-endpoints", crm), vendor, []byte(fmt.Sprintf(`{"url":"http://%s/webhooks"}`, vendorAddr)), http.StatusCreated)
	if err := json.Unmarshal(raw, &ep); err != nil {
		t.Fatal(err)
	}
	vd := startProcess(t, vendorAddr, []string{"vendor-demo", "--addr", vendorAddr, "--api", first.base + "/api/"},
		[]string{"MERCATO_VENDOR_TOKEN=" + vendor, "MERCATO_VENDOR_SECRET=" + ep.Secret})
	vd.waitFor(t, "the vendor to listen", func() bool { return strings.Contains(vd.stdout.String(), "sample vendor:") })

	// A receiver counting every subscription event.
	recv := &hookReceiver{ids: map[int64]map[string]int{}}
	hooks := httptest.NewServer(recv)
	defer hooks.Close()
	lastBefore := lastEventID(t, first, admin)
	raw = first.do(t, "POST", "/api/v1/webhook-endpoints", vendor, []byte(fmt.Sprintf(`{"url":%q,"events":["Subscription"]}`, hooks.URL)), http.StatusCreated)
	var counter struct {
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal(raw, &counter); err != nil {
		t.Fatal(err)
	}
	recv.mu.Lock()
	recv.secret = counter.Secret
	recv.mu.Unlock()

	// The burst: clients spread over the replicas, moving on when one dies.
	plan := planOf(t, first, customer, "saas")
	var placed atomic.Int64
	var mu sync.Mutex
	subs := map[int64]bool{}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for c := range 6 {
		wg.Go(func() {
			client := &http.Client{}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := replicas[(c+i)%len(replicas)]
				body := fmt.Sprintf(`{"plan_id":%d,"quantity":1,"configuration":{"company_subdomain":"rep-%d-%d"}}`, plan, c, i)
				req, _ := http.NewRequest("POST", r.base+"/api/v1/orders", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+customer)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					continue // that replica is dead: the next one
				}
				raw, _ := io.ReadAll(res.Body)
				res.Body.Close()
				var o struct {
					SubscriptionID int64 `json:"subscription_id"`
				}
				if res.StatusCode == http.StatusCreated && json.Unmarshal(raw, &o) == nil {
					mu.Lock()
					subs[o.SubscriptionID] = true
					mu.Unlock()
					if placed.Add(1) >= 300 {
						return
					}
				}
			}
		})
	}
	first.waitFor(t, "100 orders", func() bool { return placed.Load() >= 100 })
	victim := replicas[1]
	if err := victim.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-victim.exited
	wg.Wait()
	close(stop)

	// Every order provisioned (DEPLOYED), every committed event delivered.
	first.waitFor(t, fmt.Sprintf("all %d orders DEPLOYED", len(subs)), func() bool {
		return countDeployed(t, first, customer, subs) == len(subs)
	})
	want := subscriptionEventsAfter(t, first, admin, lastBefore)
	first.waitFor(t, fmt.Sprintf("all %d events at the receiver", len(want)), func() bool {
		recv.mu.Lock()
		defer recv.mu.Unlock()
		for _, id := range want {
			if recv.ids[id] == nil {
				return false
			}
		}
		return true
	})
	for _, r := range []*server{replicas[0], replicas[2]} {
		r.stop(t)
	}
	vd.stop(t)

	provisioned := map[string]int{}
	for _, m := range regexp.MustCompile(`tenant created" subscription=(\d+)`).FindAllStringSubmatch(vd.stderr.String(), -1) {
		provisioned[m[1]]++
	}
	dupProvisions := 0
	for id, n := range provisioned {
		if n != 1 {
			dupProvisions++
			t.Errorf("subscription %s provisioned %d times", id, n)
		}
	}
	if len(provisioned) != len(subs) {
		for id := range subs {
			if provisioned[fmt.Sprint(id)] == 0 {
				for _, line := range strings.Split(vd.stderr.String(), "\n") {
					if strings.Contains(line, fmt.Sprintf("subscription=%d ", id)) || strings.Contains(line, fmt.Sprintf("/%d", id)) {
						t.Logf("vendor: %s", line)
					}
				}
				t.Errorf("subscription %d was not provisioned by the vendor: events %s endpoints %s", id,
					first.get(t, fmt.Sprintf("/api/v1/events?entity=Subscription&entity_id=%d", id), admin, http.StatusOK),
					first.get(t, fmt.Sprintf("/api/v1/subscriptions/%d/endpoints", id), admin, http.StatusOK))
			}
		}
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	redelivered := 0
	for id, byMsg := range recv.ids {
		if len(byMsg) != 1 {
			t.Errorf("event %d arrived under %d webhook-ids", id, len(byMsg))
		}
		for _, n := range byMsg {
			redelivered += n - 1
		}
	}
	t.Logf("3 replicas, one killed mid-burst: %d orders, %d events; lost: 0, delivered under two ids: 0, provisioned twice: %d; %d events redelivered (at least once)",
		len(subs), len(want), dupProvisions, redelivered)
}

func productID(t *testing.T, s *server, token, typ string) int64 {
	var products struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	s.getJSON(t, "/api/v1/products?type="+typ, token, &products)
	return products.Items[0].ID
}

// countDeployed counts the subscriptions of ids that are DEPLOYED.
func countDeployed(t *testing.T, s *server, token string, ids map[int64]bool) int {
	n := 0
	path := "/api/v1/subscriptions?limit=200&deployment_status=DEPLOYED"
	for {
		var page struct {
			Items []struct {
				ID int64 `json:"id"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		s.getJSON(t, path, token, &page)
		for _, it := range page.Items {
			if ids[it.ID] {
				n++
			}
		}
		if page.NextCursor == nil {
			return n
		}
		path = "/api/v1/subscriptions?limit=200&deployment_status=DEPLOYED&cursor=" + *page.NextCursor
	}
}
