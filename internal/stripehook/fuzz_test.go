package stripehook_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	stripe "github.com/stripe/stripe-go/v82"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/stripehook"
)

// recorder takes the events the handler hands to the payments service: the
// fuzz target checks the transport (verification and reading), so no
// database is needed to see what would be recorded.
type recorder struct{ got []billing.PaymentEvent }

func (r *recorder) HandleEvent(_ context.Context, ev billing.PaymentEvent) error {
	r.got = append(r.got, ev)
	return nil
}

// FuzzStripeWebhook posts arbitrary bodies to the webhook, signed with the
// endpoint's secret or not, now or long ago. Whatever arrives: no panic; a
// 204 or a 400 (never a 5xx); an unsigned, wrongly signed or stale body is
// a 400 that hands nothing on; what is handed on names its event and its
// provider, in an upper-case currency code, with a non-negative amount in
// that currency's minor unit.
func FuzzStripeWebhook(f *testing.F) {
	for _, seed := range [][]byte{
		event("evt_1", "payment_intent.succeeded", intent("pi_1", 1220, "eur")),
		event("evt_2", "payment_intent.payment_failed", map[string]any{"id": "pi_2", "object": "payment_intent", "currency": "usd",
			"last_payment_error": map[string]any{"message": "card declined"}}),
		event("evt_3", "charge.refunded", map[string]any{"id": "ch_1", "object": "charge", "amount_refunded": 500, "currency": "jpy", "payment_intent": "pi_1"}),
		event("evt_4", "charge.dispute.created", map[string]any{"id": "dp_1", "object": "dispute", "amount": 99, "currency": "eur", "reason": "fraudulent"}),
		event("evt_5", "checkout.session.completed", map[string]any{"id": "cs_1", "object": "checkout.session", "mode": "setup", "customer": "cus_1"}),
		event("evt_6", "customer.created", map[string]any{"id": "cus_1", "object": "customer"}),
		[]byte(`{"id":"evt_7","object":"event","api_version":"` + stripe.APIVersion + `","type":"payment_intent.succeeded","data":{"object":{"amount_received":-5,"currency":"€"}}}`),
		[]byte(`{"id":"evt_8","object":"event","api_version":"` + stripe.APIVersion + `","type":"charge.refunded","data":null}`),
		[]byte(`not json`), {},
	} {
		f.Add(seed, true, int64(0))
		f.Add(seed, false, int64(0))
	}
	f.Add(event("evt_9", "payment_intent.succeeded", intent("pi_9", 1, "eur")), true, int64(-3600))
	rec := &recorder{}
	h := stripehook.Handler(rec, secret, slog.New(slog.DiscardHandler))
	f.Fuzz(func(t *testing.T, payload []byte, signed bool, skew int64) {
		rec.got = rec.got[:0]
		req := httptest.NewRequest(http.MethodPost, stripehook.Path, bytes.NewReader(payload))
		key := "whsec_wrong"
		if signed {
			key = secret
		}
		at := time.Now().Add(time.Duration(skew%100000) * time.Second)
		req.Header.Set("Stripe-Signature", sign(payload, at, key))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		stale := at.Before(time.Now().Add(-5 * time.Minute))
		switch {
		case w.Code != http.StatusNoContent && w.Code != http.StatusBadRequest:
			t.Fatalf("answered %d: %s", w.Code, w.Body)
		case (!signed || stale) && (w.Code != http.StatusBadRequest || len(rec.got) > 0):
			t.Fatalf("a body not signed now with the secret: %d, handed on %v", w.Code, rec.got)
		case w.Code == http.StatusBadRequest && len(rec.got) > 0:
			t.Fatalf("refused but handed on %v", rec.got)
		}
		for _, ev := range rec.got {
			if ev.ID == "" || ev.Provider != "stripe" {
				t.Fatalf("event without id or provider: %+v", ev)
			}
			if ev.Currency == "" {
				continue // a saved payment method carries no money
			}
			if ev.Currency != strings.ToUpper(ev.Currency) || ev.Amount.Sign() < 0 {
				t.Fatalf("money of %+v", ev)
			}
			if minor, ok := pricing.MinorUnits(ev.Currency); ok && !ev.Amount.Equal(ev.Amount.Round(minor)) {
				t.Fatalf("%s %s is finer than its minor unit", ev.Amount, ev.Currency)
			}
		}
	})
}
