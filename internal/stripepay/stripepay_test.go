package stripepay_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/stripepay"
	"github.com/mercato-market/mercato/internal/stripepay/stripemock"
)

// recorder passes requests on to stripe-mock and keeps what was sent, so
// that tests can check the request, as stripe-mock remembers nothing.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req.Clone(req.Context()))
	r.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) last(t *testing.T, path string) *http.Request {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.reqs) - 1; i >= 0; i-- {
		if r.reqs[i].Method == http.MethodPost && r.reqs[i].URL.Path == path {
			return r.reqs[i]
		}
	}
	t.Fatalf("no POST %s was sent", path)
	return nil
}

func newProvider(t *testing.T) (*stripepay.Provider, *recorder) {
	t.Helper()
	rec := &recorder{}
	p, err := stripepay.New(stripepay.Config{SecretKey: "sk_test_123", APIBase: stripemock.URL(t), HTTPClient: &http.Client{Transport: rec}})
	if err != nil {
		t.Fatal(err)
	}
	return p, rec
}

func TestCustomerAndSetupSession(t *testing.T) {
	p, rec := newProvider(t)
	ctx := context.Background()
	id, err := p.CreateCustomer(ctx, 42, "Acme", "billing@acme.example")
	if err != nil || !strings.HasPrefix(id, "cus_") {
		t.Fatalf("customer %q, %v", id, err)
	}
	if k := rec.last(t, "/v1/customers").Header.Get("Idempotency-Key"); k != "mercato-customer-42" {
		t.Errorf("customer idempotency key %q", k)
	}
	url, err := p.SetupURL(ctx, id, "EUR", "https://mercato.example/ok", "https://mercato.example/cancel")
	if err != nil || url == "" {
		t.Fatalf("setup url %q, %v", url, err)
	}
}

func TestCollectIsIdempotentPerInvoice(t *testing.T) {
	p, rec := newProvider(t)
	ctx := context.Background()
	inv := billing.Invoice{ID: 7, Number: "2026-000007", Currency: "EUR", Total: decimal.RequireFromString("119.90")}
	inv.Issuer.ID = 1
	ref, err := p.Collect(ctx, "cus_123", inv, 0)
	if err != nil || !strings.HasPrefix(ref, "pi_") {
		t.Fatalf("collect %q, %v", ref, err)
	}
	req := rec.last(t, "/v1/payment_intents")
	if k := req.Header.Get("Idempotency-Key"); k != "mercato-invoice-1-2026-000007" {
		t.Errorf("idempotency key %q, want the invoice's number", k)
	}
	if _, err := p.Collect(ctx, "cus_123", inv, 0); err != nil {
		t.Fatal(err)
	}
	if k := rec.last(t, "/v1/payment_intents").Header.Get("Idempotency-Key"); k != "mercato-invoice-1-2026-000007" {
		t.Errorf("retry's idempotency key %q, want the same", k)
	}
	if _, err := p.Collect(ctx, "cus_123", inv, 2); err != nil {
		t.Fatal(err)
	}
	if k := rec.last(t, "/v1/payment_intents").Header.Get("Idempotency-Key"); k != "mercato-invoice-1-2026-000007-retry-2" {
		t.Errorf("second retry's idempotency key %q", k)
	}
	if _, err := p.Refund(ctx, ref, decimal.RequireFromString("10.00"), "EUR", "mercato-refund-8-1"); err != nil {
		t.Fatal(err)
	}
	if k := rec.last(t, "/v1/refunds").Header.Get("Idempotency-Key"); k != "mercato-refund-8-1" {
		t.Errorf("refund's idempotency key %q", k)
	}
}

func TestMinorUnits(t *testing.T) {
	for _, c := range []struct {
		amount, currency string
		want             int64
		bad              bool
	}{{"119.90", "EUR", 11990, false}, {"1500", "JPY", 1500, false}, {"0.001", "EUR", 0, true}, {"1.5", "JPY", 0, true}} {
		got, err := stripepay.MinorUnits(decimal.RequireFromString(c.amount), c.currency)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("%s %s: %d, %v", c.currency, c.amount, got, err)
		}
	}
}

// TestErrorsHideTheKey: Stripe quotes the key it refused; the provider's
// errors, which end up in logs, must not.
func TestErrorsHideTheKey(t *testing.T) {
	p, err := stripepay.New(stripepay.Config{SecretKey: "not_a_key_secret42", APIBase: stripemock.URL(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.CreateCustomer(context.Background(), 1, "Acme", "")
	if err == nil || strings.Contains(err.Error(), "secret42") {
		t.Fatalf("error %v", err)
	}
}
