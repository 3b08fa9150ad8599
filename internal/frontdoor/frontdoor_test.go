package frontdoor_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mercato-market/mercato/internal/frontdoor"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
	"github.com/mercato-market/mercato/internal/telemetry"
)

// TestCredentialNormalised: however a token is written, it is one
// credential.
func TestCredentialNormalised(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		header, value string
		want          frontdoor.Cred
		err           bool
	}{
		{"Authorization", "Bearer tok", frontdoor.Cred{Source: frontdoor.SourceBearer, Secret: "tok"}, false},
		{"Authorization", "Bearer   tok", frontdoor.Cred{Source: frontdoor.SourceBearer, Secret: "tok"}, false},
		{"Authorization", "  bearer\ttok  ", frontdoor.Cred{Source: frontdoor.SourceBearer, Secret: "tok"}, false},
		{"Authorization", "BEARER tok", frontdoor.Cred{Source: frontdoor.SourceBearer, Secret: "tok"}, false},
		{"Authorization", "Bearer", frontdoor.Cred{}, false},
		{"Authorization", "Token tok", frontdoor.Cred{}, false},
		{"CMW-Auth-Token", "  tok ", frontdoor.Cred{Source: frontdoor.SourceCMW, Secret: "tok"}, false},
		{"Authorization", "basic  " + b64("a@b.test:tok"), frontdoor.Cred{Source: frontdoor.SourceBasic, Secret: "tok", User: "a@b.test"}, false},
		{"Authorization", "Basic " + b64(":tok"), frontdoor.Cred{}, true},
		{"Authorization", "Basic " + b64("a@b.test:"), frontdoor.Cred{}, true},
		{"Authorization", "Basic !!!", frontdoor.Cred{}, true},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set(c.header, c.value)
		got, err := frontdoor.Credential(r)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%s: %q: %+v, %v; want %+v (error %v)", c.header, c.value, got, err, c.want, c.err)
		}
		if err != nil && mercato.ErrorCode(err) != mercato.EUNAUTHORIZED {
			t.Errorf("%q: error %v is not EUNAUTHORIZED", c.value, err)
		}
	}
}

// TestDoorSetsRequestIDAndPassesOnce: a door gives the request its id
// (telemetry's, kept when the outer middleware set one), and a door inside
// another lets the request pass as the outer one resolved it.
func TestDoorSetsRequestIDAndPassesOnce(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	w := storetest.NewWorld(t, st)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var seen []string
	inner := frontdoor.New(frontdoor.Config{Callers: st, Log: log, Rate: 0.001, Burst: 1}).Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := frontdoor.PrincipalFrom(r.Context())
		seen = append(seen, telemetry.RequestID(r.Context()))
		if p.UserID == 0 {
			http.Error(w, "no principal", http.StatusUnauthorized)
		}
	}))
	outer := frontdoor.New(frontdoor.Config{Callers: st, Log: log}).Wrap(inner)
	srv := httptest.NewServer(telemetry.Middleware(outer))
	defer srv.Close()
	for range 3 { // the inner door's limit of 1 does not apply: it lets pass
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+w.C1.Token)
		req.Header.Set("X-Request-Id", "req-1")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("X-Request-Id") != "req-1" {
			t.Fatalf("status %d, X-Request-Id %q", res.StatusCode, res.Header.Get("X-Request-Id"))
		}
	}
	if len(seen) != 3 || seen[0] != "req-1" {
		t.Fatalf("request ids %v", seen)
	}
	// Alone, a door sets the id itself.
	alone := httptest.NewServer(frontdoor.New(frontdoor.Config{Callers: st, Log: log}).Wrap(http.NotFoundHandler()))
	defer alone.Close()
	res, err := http.Get(alone.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id")
	}
}
