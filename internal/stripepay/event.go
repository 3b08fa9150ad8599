package stripepay

import (
	"encoding/json"
	"fmt"
	"strings"

	stripe "github.com/stripe/stripe-go/v82"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Event turns a verified Stripe event into Mercato's terms; handled is
// false for the types Mercato does not act on (they are acknowledged).
func Event(e stripe.Event) (ev billing.PaymentEvent, handled bool, err error) {
	ev = billing.PaymentEvent{ID: e.ID, Provider: Name}
	if e.Data == nil {
		return ev, false, fmt.Errorf("stripe event %s: no data", e.ID)
	}
	switch e.Type {
	case "payment_intent.succeeded", "payment_intent.payment_failed":
		var pi stripe.PaymentIntent
		if err := json.Unmarshal(e.Data.Raw, &pi); err != nil {
			return ev, false, fmt.Errorf("stripe event %s: %w", e.ID, err)
		}
		ev.Type, ev.Attempt, ev.Reference = billing.PaymentSucceeded, pi.ID, pi.ID
		ev.Currency = strings.ToUpper(string(pi.Currency))
		ev.Amount = FromMinorUnits(pi.AmountReceived, ev.Currency)
		if e.Type == "payment_intent.payment_failed" {
			ev.Type, ev.Amount = billing.PaymentFailed, FromMinorUnits(0, ev.Currency)
			if pi.LastPaymentError != nil {
				ev.Detail = pi.LastPaymentError.Msg
			}
		}
	case "charge.refunded":
		var ch stripe.Charge
		if err := json.Unmarshal(e.Data.Raw, &ch); err != nil {
			return ev, false, fmt.Errorf("stripe event %s: %w", e.ID, err)
		}
		ev.Type, ev.Reference, ev.Currency = billing.PaymentRefunded, ch.ID, strings.ToUpper(string(ch.Currency))
		ev.Amount = FromMinorUnits(ch.AmountRefunded, ev.Currency)
		if ch.PaymentIntent != nil {
			ev.Attempt = ch.PaymentIntent.ID
		}
	case "charge.dispute.created":
		var d stripe.Dispute
		if err := json.Unmarshal(e.Data.Raw, &d); err != nil {
			return ev, false, fmt.Errorf("stripe event %s: %w", e.ID, err)
		}
		ev.Type, ev.Reference, ev.Currency = billing.PaymentDisputed, d.ID, strings.ToUpper(string(d.Currency))
		ev.Amount, ev.Detail = FromMinorUnits(d.Amount, ev.Currency), string(d.Reason)
		if d.PaymentIntent != nil {
			ev.Attempt = d.PaymentIntent.ID
		}
	case "checkout.session.completed":
		var cs stripe.CheckoutSession
		if err := json.Unmarshal(e.Data.Raw, &cs); err != nil {
			return ev, false, fmt.Errorf("stripe event %s: %w", e.ID, err)
		}
		if cs.Mode != stripe.CheckoutSessionModeSetup || cs.Customer == nil {
			return ev, false, nil
		}
		ev.Type, ev.Reference = billing.MethodSaved, cs.Customer.ID
	default:
		return ev, false, nil
	}
	if ev.Type != billing.MethodSaved {
		// Money from outside: a known ISO 4217 code and no negative amount
		// (a refund is its own event type, its amount positive).
		if _, ok := pricing.MinorUnits(ev.Currency); !ok {
			return ev, false, fmt.Errorf("stripe event %s: unknown currency %q", e.ID, ev.Currency)
		}
		if ev.Amount.Sign() < 0 {
			return ev, false, fmt.Errorf("stripe event %s: negative amount %s", e.ID, ev.Amount)
		}
	}
	return ev, true, nil
}
