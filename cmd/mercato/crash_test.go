package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mercato-market/mercato/pkg/webhook"
)

// hookReceiver is a vendor's endpoint that verifies every delivery and
// records under which webhook-ids each event arrived.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	ids    map[int64]map[string]int // event id -> webhook-id -> times
	bad    atomic.Int64
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	// A slow vendor: deliveries are in flight when the server dies.
	time.Sleep(200 * time.Millisecond)
	h.mu.Lock()
	v := webhook.Verifier{Secrets: []string{h.secret}}
	h.mu.Unlock()
	if err := v.Verify(r.Header, body); err != nil {
		h.bad.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	n, err := webhook.Parse(body)
	if err != nil {
		h.bad.Add(1)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.mu.Lock()
	if h.ids[n.EventID] == nil {
		h.ids[n.EventID] = map[string]int{}
	}
	h.ids[n.EventID][r.Header.Get(webhook.HeaderID)]++
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// TestKillDuringBurst places orders in a burst, kills the server with
// SIGKILL in the middle, restarts it on the same database, and checks at a
// real receiver that every committed event was delivered, none under two
// webhook-ids.
func TestKillDuringBurst(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "crash.db")
	const admin, vendor, customer = "mct_demo_platform_admin", "mct_demo_vendor_contoso", "mct_demo_customer_adatum"
	// A short lease, so the restarted server takes over the dead one's
	// claimed deliveries within the test.
	lease := []string{"MERCATO_WEBHOOKS_LEASE=2s"}
	s := start(t, []string{"--database-url", db}, lease)
	s.waitReady(t)

	recv := &hookReceiver{ids: map[int64]map[string]int{}}
	hooks := httptest.NewServer(recv)
	defer hooks.Close()
	lastBefore := lastEventID(t, s, admin)
	var ep struct {
		Secret string `json:"secret"`
	}
	raw := s.do(t, "POST", "/api/v1/webhook-endpoints", vendor, []byte(fmt.Sprintf(`{"url":%q,"events":["Subscription"]}`, hooks.URL+"/hooks")), http.StatusCreated)
	if err := json.Unmarshal(raw, &ep); err != nil || ep.Secret == "" {
		t.Fatalf("endpoint: %s %v", raw, err)
	}
	recv.mu.Lock()
	recv.secret = ep.Secret
	recv.mu.Unlock()
	// The burst: eight clients ordering; the server dies under them.
	placed, stopBurst := orderBurst(s, customer, planOf(t, s, customer, "saas"))
	s.waitFor(t, "300 orders", func() bool { return placed.Load() >= 300 })
	if err := s.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown at all
		t.Fatal(err)
	}
	<-s.exited
	recv.mu.Lock()
	atKill := len(recv.ids)
	recv.mu.Unlock()
	stopBurst()

	s2 := start(t, []string{"--database-url", db}, lease)
	s2.waitReady(t)
	want := subscriptionEventsAfter(t, s2, admin, lastBefore)
	if len(want) < 100 {
		t.Fatalf("only %d subscription events committed", len(want))
	}
	s2.waitFor(t, fmt.Sprintf("all %d committed events at the receiver", len(want)), func() bool {
		recv.mu.Lock()
		defer recv.mu.Unlock()
		for _, id := range want {
			if recv.ids[id] == nil {
				return false
			}
		}
		return true
	})
	// Stop the server before reading the receiver's records under its lock:
	// the receiver must keep answering while the server shuts down.
	s2.stop(t)
	recv.mu.Lock()
	defer recv.mu.Unlock()
	dups := 0
	for id, byMsg := range recv.ids {
		if len(byMsg) != 1 {
			t.Errorf("event %d arrived under %d webhook-ids: %v", id, len(byMsg), byMsg)
		}
		for _, n := range byMsg {
			dups += n - 1
		}
	}
	if recv.bad.Load() != 0 {
		t.Errorf("%d deliveries failed verification", recv.bad.Load())
	}
	if atKill >= len(want) {
		t.Errorf("all %d events had arrived before the kill: the test did not kill a server with work in flight", atKill)
	}
	t.Logf("%d orders placed before the kill; %d events committed, %d of them delivered before the kill, all after the restart; %d redelivered (at least once)",
		placed.Load(), len(want), atKill, dups)
}

// orderBurst has eight clients place orders of plan as customer until
// stop is called (it waits for them) or the server is gone; placed counts
// the orders that were.
func orderBurst(s *server, customer string, plan int64) (placed *atomic.Int64, stop func()) {
	placed = &atomic.Int64{}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for c := range 8 {
		wg.Go(func() {
			client := &http.Client{}
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				body := fmt.Sprintf(`{"plan_id":%d,"quantity":1,"configuration":{"company_subdomain":"burst-%d-%d"}}`, plan, c, i)
				req, _ := http.NewRequest("POST", s.base+"/api/v1/orders", stringsReader(body))
				req.Header.Set("Authorization", "Bearer "+customer)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusCreated {
					placed.Add(1)
				}
			}
		})
	}
	return placed, func() {
		close(done)
		wg.Wait()
	}
}

type stringReader struct {
	s string
	i int
}

func stringsReader(s string) io.Reader { return &stringReader{s: s} }

func (r *stringReader) Read(p []byte) (int, error) {
	if r.i >= len(r.s) {
		return 0, io.EOF
	}
	n := copy(p, r.s[r.i:])
	r.i += n
	return n, nil
}

// planOf returns the first plan of the first product of a type.
func planOf(t *testing.T, s *server, token, typ string) int64 {
	t.Helper()
	var products struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	s.getJSON(t, "/api/v1/products?type="+typ, token, &products)
	var plans struct {
		Items []struct {
			ID      int64 `json:"id"`
			Pricing struct {
				TrialDays int `json:"trial_days"`
			} `json:"pricing"`
		} `json:"items"`
	}
	s.getJSON(t, fmt.Sprintf("/api/v1/products/%d/plans", products.Items[0].ID), token, &plans)
	for _, p := range plans.Items {
		if p.Pricing.TrialDays == 0 {
			return p.ID
		}
	}
	return plans.Items[0].ID
}

type eventPage struct {
	Items []struct {
		ID     int64  `json:"id"`
		Entity string `json:"entity"`
	} `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func eachEvent(t *testing.T, s *server, token string, fn func(id int64, entity string)) {
	t.Helper()
	path := "/api/v1/events?limit=200"
	for {
		var page eventPage
		s.getJSON(t, path, token, &page)
		for _, e := range page.Items {
			fn(e.ID, e.Entity)
		}
		if page.NextCursor == nil {
			return
		}
		path = "/api/v1/events?limit=200&cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

func lastEventID(t *testing.T, s *server, token string) int64 {
	var last int64
	eachEvent(t, s, token, func(id int64, _ string) { last = id })
	return last
}

func subscriptionEventsAfter(t *testing.T, s *server, token string, after int64) []int64 {
	var out []int64
	eachEvent(t, s, token, func(id int64, entity string) {
		if id > after && entity == "Subscription" {
			out = append(out, id)
		}
	})
	return out
}
