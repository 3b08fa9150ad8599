package billing

import (
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// PaymentEventType is what a payment provider's webhook event says
// happened.
type PaymentEventType string

// Payment event types.
const (
	PaymentSucceeded PaymentEventType = "payment_succeeded" // money received (all or part of the invoice)
	PaymentFailed    PaymentEventType = "payment_failed"    // a collection failed; dunning goes on
	PaymentRefunded  PaymentEventType = "payment_refunded"  // money returned to the customer
	PaymentDisputed  PaymentEventType = "payment_disputed"  // the customer disputed a payment
)

// PaymentEvent is a payment provider's webhook event, already verified,
// in Mercato's terms.
type PaymentEvent struct {
	ID       string // the provider's event id: an event is processed once
	Provider string
	Type     PaymentEventType
	// Attempt is the provider's reference of the collection attempt it
	// concerns (a Stripe PaymentIntent), which leads to the invoice.
	Attempt string
	// Reference is the event's own object (a charge, a dispute).
	Reference string
	// Amount is what was received (succeeded), refunded in all so far
	// (refunded) or disputed; zero for a failure.
	Amount   decimal.Decimal
	Currency string
	Detail   string // why a payment failed, a dispute's reason
}

// Validate reports an event Mercato cannot act on.
func (e PaymentEvent) Validate() error {
	var errs []mercato.FieldError
	if e.ID == "" {
		errs = append(errs, mercato.FieldError{Path: "id", Message: "is required"})
	}
	switch e.Type {
	case PaymentSucceeded, PaymentFailed, PaymentRefunded, PaymentDisputed:
	default:
		errs = append(errs, mercato.FieldError{Path: "type", Message: "is not a payment event Mercato handles", Value: string(e.Type)})
	}
	if e.Amount.IsNegative() {
		errs = append(errs, mercato.FieldError{Path: "amount", Message: "must not be negative", Value: e.Amount.String()})
	}
	if len(errs) > 0 {
		return mercato.Invalid("invalid payment event", errs...)
	}
	return nil
}
