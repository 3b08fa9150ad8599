package billing

import (
	"fmt"
	"time"

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
	// MethodSaved: the customer (Reference: the provider's id of it)
	// saved a payment method; its open invoices are tried at once.
	MethodSaved PaymentEventType = "payment_method_saved"
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
	case PaymentSucceeded, PaymentFailed, PaymentRefunded, PaymentDisputed, MethodSaved:
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

// PaymentRetries are the days after an invoice's collection first failed
// on which it is tried again (dunning's payment retries; reminders and
// suspension go on by the dunning policy meanwhile).
type PaymentRetries []int

// DefaultPaymentRetries tries again 1, 3, 5 and 7 days after the first
// failure.
func DefaultPaymentRetries() PaymentRetries { return PaymentRetries{1, 3, 5, 7} }

// Collection is where an issued invoice's collection through a provider
// stands: how many tries were made, how many failed, and when the first
// failed.
type Collection struct {
	InvoiceID    int64
	Tries        int
	Failures     int
	FirstFailure time.Time
}

// Settled reports whether every try has its outcome (none was made, or
// each failed): only then may another be made without charging twice.
func (c Collection) Settled() bool { return c.Failures >= c.Tries }

// Due reports whether c's next retry is due at now: its last try failed
// and the retry's day after the first failure has come. None is due once
// the schedule is spent.
func (r PaymentRetries) Due(c Collection, now time.Time) bool {
	if c.Tries == 0 || !c.Settled() || c.Tries > len(r) {
		return false
	}
	return !now.Before(c.FirstFailure.Add(time.Duration(r[c.Tries-1]) * 24 * time.Hour))
}

// Next returns the date (YYYY-MM-DD) of c's next retry after a failure,
// empty when the schedule is spent.
func (r PaymentRetries) Next(c Collection) string {
	if c.Tries == 0 || c.Tries > len(r) || c.FirstFailure.IsZero() {
		return ""
	}
	return c.FirstFailure.Add(time.Duration(r[c.Tries-1]) * 24 * time.Hour).UTC().Format("2006-01-02")
}

// MaxPaymentRetries bounds the retry schedule's length, MaxRetryDay its
// days.
const (
	MaxPaymentRetries = 10
	MaxRetryDay       = 60
)

// Validate reports days that are not increasing, each from 1 to
// MaxRetryDay, at most MaxPaymentRetries of them.
func (r PaymentRetries) Validate() error {
	if len(r) > MaxPaymentRetries {
		return fmt.Errorf("payment retry days %v: want at most %d days", []int(r), MaxPaymentRetries)
	}
	for i, d := range r {
		if d < 1 || d > MaxRetryDay || i > 0 && d <= r[i-1] {
			return fmt.Errorf("payment retry days %v: want increasing days from 1 to %d", []int(r), MaxRetryDay)
		}
	}
	return nil
}
