package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// DunningPolicy says what happens to an issued invoice left unpaid: a
// reminder at each of ReminderDays after its due date, the subscriptions
// it bills suspended SuspendDays after it, and an order that waits for its
// first payment expired ExpireDays after it.
type DunningPolicy struct {
	PaymentTermsDays int   // due date = issue date + this
	ReminderDays     []int // increasing
	SuspendDays      int
	ExpireDays       int
}

// DefaultDunning is 14 days to pay, reminders 3 and 10 days late,
// suspension 21 days late, unpaid orders expire 30 days late.
func DefaultDunning() DunningPolicy {
	return DunningPolicy{PaymentTermsDays: 14, ReminderDays: []int{3, 10}, SuspendDays: 21, ExpireDays: 30}
}

// Dunning steps.
type Step struct {
	Remind  bool // send reminder number Reminders+1
	Suspend bool // suspend the live subscriptions the invoice bills
	Expire  bool // expire the subscriptions still waiting for payment
}

// Next returns what is due for an issued invoice at asOf, given how many
// reminders it had and whether it already suspended.
func (p DunningPolicy) Next(dueAt time.Time, reminders int, suspended bool, asOf time.Time) Step {
	late := asOf.Sub(dueAt)
	if late <= 0 {
		return Step{}
	}
	days := int(late / (24 * time.Hour))
	var s Step
	if reminders < len(p.ReminderDays) && days >= p.ReminderDays[reminders] {
		s.Remind = true
	}
	if !suspended && p.SuspendDays > 0 && days >= p.SuspendDays {
		s.Suspend = true
	}
	if p.ExpireDays > 0 && days >= p.ExpireDays {
		s.Expire = true
	}
	return s
}

// Payment is money received against an invoice.
type Payment struct {
	ID        int64
	InvoiceID int64
	Amount    decimal.Decimal
	Currency  string
	Method    string // manual, or a provider's name
	Reference string // the provider's or the bank's reference
	CreatedAt time.Time
}

// PaymentProvider collects invoices through a payment service (a card
// processor, SEPA direct debit). Payments recorded by hand through the API
// have method "manual"; a provider's have its name and its reference.
// Mercato's own records stay authoritative: the provider is told what to
// do and its webhook says what happened.
type PaymentProvider interface {
	// Name identifies the provider in payments' method.
	Name() string
	// CreateCustomer creates the payer's account at the provider for a
	// customer organization and returns the provider's id of it.
	CreateCustomer(ctx context.Context, orgID int64, name, email string) (string, error)
	// SetupURL starts a page hosted by the provider where the customer
	// saves a payment method, and returns its address.
	SetupURL(ctx context.Context, customerRef, currency, successURL, cancelURL string) (string, error)
	// Collect charges an issued invoice's total to the customer's saved
	// payment method without the customer present and returns the
	// provider's reference of the attempt; try counts the tries (0 the
	// first, then dunning's retries), and the same try of an invoice asked
	// twice is charged once. The outcome arrives through the webhook.
	Collect(ctx context.Context, customerRef string, inv Invoice, try int) (reference string, err error)
	// Refund returns amount of a collected payment (reference: the
	// attempt's) and returns the provider's reference of the refund; the
	// same key asked twice refunds once.
	Refund(ctx context.Context, reference string, amount decimal.Decimal, currency, key string) (string, error)
}

// Validate reports a policy that cannot work: negative days, reminders
// that are not positive and increasing.
func (p DunningPolicy) Validate() error {
	var errs []error
	if p.PaymentTermsDays < 0 {
		errs = append(errs, fmt.Errorf("payment terms: %d days, want 0 or more", p.PaymentTermsDays))
	}
	for i, d := range p.ReminderDays {
		if d <= 0 || i > 0 && d <= p.ReminderDays[i-1] {
			errs = append(errs, fmt.Errorf("reminder days %v: want positive, increasing days", p.ReminderDays))
			break
		}
	}
	if p.SuspendDays < 0 {
		errs = append(errs, fmt.Errorf("suspension: %d days, want 0 (never) or more", p.SuspendDays))
	}
	if p.ExpireDays < 0 {
		errs = append(errs, fmt.Errorf("expiry: %d days, want 0 (never) or more", p.ExpireDays))
	}
	return errors.Join(errs...)
}

// MaxSuspendDays bounds the operator's suspension setting.
const MaxSuspendDays = 365

// DunningSettings are the operator's dunning settings, kept in the
// database and edited in the control panel: the days after an invoice's
// collection first failed on which it is tried again, and the days late
// at which the subscriptions of an invoice still unpaid are suspended (0:
// never). Once saved they win over serve's flags (--payment-retry-days,
// --dunning-suspend-days), which remain the values of a database where
// they were never saved.
type DunningSettings struct {
	RetryDays   PaymentRetries
	SuspendDays int
	// RenewalReminderDays and TrialReminderDays are how many days before
	// a subscription renews by itself, and before a trial ends, its
	// customer is told by e-mail (0: never); nil: serve's
	// --mail-renewal-days and --mail-trial-days.
	RenewalReminderDays *int
	TrialReminderDays   *int
	UpdatedAt           time.Time
}

// MaxReminderDays bounds the reminder days.
const MaxReminderDays = 90

// Validate checks the settings as they are to be saved: retry days
// increasing, each from 1 to MaxRetryDay, at most MaxPaymentRetries; the
// suspension from 0 (never) to MaxSuspendDays.
func (d DunningSettings) Validate() error {
	var errs []mercato.FieldError
	if err := d.RetryDays.Validate(); err != nil {
		errs = append(errs, mercato.FieldError{Path: "payment_retry_days", Message: err.Error(), Value: []int(d.RetryDays)})
	}
	if d.SuspendDays < 0 || d.SuspendDays > MaxSuspendDays {
		errs = append(errs, mercato.FieldError{Path: "suspend_days", Message: fmt.Sprintf("must be from 0 (never) to %d days", MaxSuspendDays), Value: d.SuspendDays})
	}
	for _, r := range []struct {
		path string
		days *int
	}{{"renewal_reminder_days", d.RenewalReminderDays}, {"trial_reminder_days", d.TrialReminderDays}} {
		if r.days != nil && (*r.days < 0 || *r.days > MaxReminderDays) {
			errs = append(errs, mercato.FieldError{Path: r.path, Message: fmt.Sprintf("must be from 0 (never) to %d days", MaxReminderDays), Value: *r.days})
		}
	}
	if len(errs) > 0 {
		return mercato.Invalid("invalid dunning settings", errs...)
	}
	return nil
}

// Apply returns the policy with the settings' suspension.
func (d DunningSettings) Apply(p DunningPolicy) DunningPolicy {
	p.SuspendDays = d.SuspendDays
	return p
}
