package syndication_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/syndication"
)

func TestURLPolicy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	strict := syndication.URLPolicy{}
	for _, c := range []struct {
		url string
		ok  bool
	}{
		{"https://192.0.32.7/hooks", true},
		{"https://[2001:4860:4860::8888]/hooks", true},
		{"http://192.0.32.7/hooks", false}, // https required
		{"https://127.0.0.1/hooks", false},
		{"https://[::1]/hooks", false},
		{"https://10.1.2.3/hooks", false},
		{"https://172.16.0.1/hooks", false},
		{"https://192.168.1.1/hooks", false},
		{"https://169.254.169.254/latest/meta-data", false}, // link-local: cloud metadata
		{"https://100.64.0.1/hooks", false},                 // carrier-grade NAT
		{"https://0.0.0.0/hooks", false},
		{"https://[fe80::1]/hooks", false},
		{"https://[::ffff:127.0.0.1]/hooks", false}, // IPv4-mapped loopback
		{"https://localhost/hooks", false},          // resolves to loopback
		{"https://user:pass@192.0.32.7/hooks", false},
		{"https://192.0.32.7/hooks#frag", false},
		{"not a url", false},
		{"https://" + strings.Repeat("a", 2000) + ".example/", false},
	} {
		err := strict.Check(ctx, c.url)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.url, err, c.ok)
		}
		if err != nil && mercato.ErrorCode(err) != mercato.EINVALID {
			t.Errorf("%s: code %s", c.url, mercato.ErrorCode(err))
		}
	}
	lax := syndication.URLPolicy{AllowPrivate: true}
	for _, u := range []string{"http://127.0.0.1:8081/hooks", "https://10.1.2.3/x", "http://localhost/x"} {
		if err := lax.Check(ctx, u); err != nil {
			t.Errorf("allowed private: %s: %v", u, err)
		}
	}
	if err := lax.Check(ctx, "ftp://192.0.32.7/x"); err == nil {
		t.Error("ftp accepted")
	}
}

// TestDialControl checks the guard against DNS rebinding: whatever a name
// resolved to when the endpoint was saved, the connection itself is refused
// when it goes to a private address.
func TestDialControl(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	dialer := &net.Dialer{Control: syndication.DialControl, Timeout: time.Second}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	if _, err := client.Get(srv.URL); err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("dial to loopback: %v", err)
	}
	if syndication.Public(netip.MustParseAddr("192.168.0.1")) || !syndication.Public(netip.MustParseAddr("8.8.8.8")) {
		t.Fatal("Public")
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	var total time.Duration
	for i := 1; i <= len(syndication.Schedule); i++ {
		d, ok := syndication.Backoff(i, syndication.Schedule)
		want := syndication.Schedule[i-1]
		if !ok || d < want*9/10 || d > want*11/10 {
			t.Fatalf("retry %d: %s, want %s ± 10%%", i, d, want)
		}
		total += want
	}
	if total < 72*time.Hour {
		t.Fatalf("the schedule covers %s, less than three days", total)
	}
	if _, ok := syndication.Backoff(len(syndication.Schedule)+1, syndication.Schedule); ok {
		t.Fatal("a retry beyond the schedule")
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := func(k, v string) http.Header { return http.Header{k: {v}} }
	for _, c := range []struct {
		name   string
		status int
		header http.Header
		err    error
		want   syndication.Outcome
		wait   time.Duration
	}{
		{"204", 204, nil, nil, syndication.Delivered, 0},
		{"200 with a body", 200, nil, nil, syndication.Delivered, 0},
		{"500", 500, nil, nil, syndication.Retry, 0},
		{"redirect", 302, nil, nil, syndication.Retry, 0},
		{"410", 410, nil, nil, syndication.Gone, 0},
		{"429 seconds", 429, h("Retry-After", "120"), nil, syndication.RetryAfter, 2 * time.Minute},
		{"429 date", 429, h("Retry-After", now.Add(time.Hour).Format(http.TimeFormat)), nil, syndication.RetryAfter, time.Hour},
		{"429 capped", 429, h("Retry-After", "999999"), nil, syndication.RetryAfter, 24 * time.Hour},
		{"429 without a header", 429, nil, nil, syndication.Retry, 0},
		{"no answer", 0, nil, context.DeadlineExceeded, syndication.Retry, 0},
	} {
		got, wait := syndication.Classify(c.status, c.header, c.err, now)
		if got != c.want || wait != c.wait {
			t.Errorf("%s: %v %s, want %v %s", c.name, got, wait, c.want, c.wait)
		}
	}
}

func TestEventsAndURLs(t *testing.T) {
	t.Parallel()
	if err := syndication.ValidateEvents([]string{"Subscription", "User.DELETED", "ProductVersion.MODIFIED"}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Order", "Subscription.UPDATED", "", "subscription"} {
		if syndication.ValidateEvents([]string{bad}) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := syndication.ParseFilterText(syndication.FilterText([]string{"A", "B.CREATED"})); strings.Join(got, "|") != "A|B.CREATED" {
		t.Fatalf("filter round trip %v", got)
	}
	for entity, want := range map[string]string{"Subscription": "subscription/7", "ProductVersion": "productVersion/7", "User": "user/7", "Invoice": "invoice/7"} {
		if got := syndication.EntityURL(entity, 7); got != want {
			t.Errorf("%s: %s, want %s", entity, got, want)
		}
	}
	e := syndication.Endpoint{Secret: "new", PreviousSecret: "old", PreviousUntil: time.Now().Add(time.Hour)}
	if s := e.Secrets(time.Now()); len(s) != 2 || s[0] != "new" {
		t.Fatalf("secrets during grace %v", s)
	}
	if s := e.Secrets(time.Now().Add(2 * time.Hour)); len(s) != 1 {
		t.Fatalf("secrets after grace %v", s)
	}
}
