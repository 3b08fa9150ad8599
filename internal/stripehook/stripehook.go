// Package stripehook is the transport of Stripe's webhook, POST
// /stripe/webhook: it verifies the Stripe-Signature header with the
// official library (a bad signature or a timestamp older than its
// tolerance is a 400 and changes nothing), turns the event into Mercato's
// terms (internal/stripepay) and hands it to the payments service. An
// event Mercato does not act on is acknowledged; a failure to record one
// is a 500, so Stripe delivers it again.
package stripehook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/stripepay"
)

// Path is where Stripe is told to send its events.
const Path = "/stripe/webhook"

// maxBody bounds an event's size; Stripe's are a few kilobytes.
const maxBody = 1 << 20

// Events is the payments service as the webhook calls it.
type Events interface {
	HandleEvent(ctx context.Context, ev billing.PaymentEvent) error
}

// Handler serves Stripe's webhook, verifying events with the endpoint's
// signing secret.
func Handler(events Events, secret string, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			problem(w, http.StatusMethodNotAllowed, "Stripe posts its events here", "")
			return
		}
		payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			problem(w, http.StatusBadRequest, "the event could not be read", "body")
			return
		}
		e, err := webhook.ConstructEvent(payload, r.Header.Get("Stripe-Signature"), secret)
		if err != nil {
			// The reason (bad signature, old timestamp) is the library's
			// wording; it tells nothing of the secret.
			log.WarnContext(r.Context(), "stripe webhook refused", "err", err)
			problem(w, http.StatusBadRequest, err.Error(), "Stripe-Signature")
			return
		}
		ev, handled, err := stripepay.Event(e)
		if err != nil {
			log.WarnContext(r.Context(), "stripe webhook: unreadable event", "event", e.ID, "type", e.Type, "err", err)
			problem(w, http.StatusBadRequest, "the event's object could not be read", "data.object")
			return
		}
		if !handled {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if err := events.HandleEvent(r.Context(), ev); err != nil {
			var me *mercato.Error
			if errors.As(err, &me) && me.Code == mercato.EINVALID {
				problem(w, http.StatusBadRequest, me.Message, "data.object")
				return
			}
			log.ErrorContext(r.Context(), "stripe webhook", "event", e.ID, "type", e.Type, "err", err)
			problem(w, http.StatusInternalServerError, "the event could not be recorded; deliver it again", "")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// problem answers an RFC 9457 problem, naming the part of the request at
// fault.
func problem(w http.ResponseWriter, status int, detail, field string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	body := map[string]any{"title": http.StatusText(status), "status": status, "detail": detail}
	if field != "" {
		body["errors"] = []map[string]string{{"location": field, "message": detail}}
	}
	_ = json.NewEncoder(w).Encode(body)
}
