package billing

import (
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// PaymentKind is what a payment was to its invoice: the whole of it, a
// part, or money given back.
type PaymentKind string

// The kinds of payment.
const (
	PaymentFull    PaymentKind = "full"    // at least the invoice's total
	PaymentPartial PaymentKind = "partial" // less than the invoice's total
	PaymentRefund  PaymentKind = "refund"  // a negative payment: a refund through the provider
)

// PaymentKinds are the kinds, in the order a filter offers them.
var PaymentKinds = []PaymentKind{PaymentFull, PaymentPartial, PaymentRefund}

// KindOf is a payment's kind against its invoice's total.
func KindOf(amount, invoiceTotal decimal.Decimal) PaymentKind {
	switch {
	case amount.IsNegative():
		return PaymentRefund
	case amount.LessThan(invoiceTotal):
		return PaymentPartial
	}
	return PaymentFull
}

// PaymentFilter narrows the operator's list of payments, newest first.
type PaymentFilter struct {
	Kind   PaymentKind // empty: all
	Before int64       // only payments with a smaller id (0: from the newest)
	Limit  int         // at most this many (default 50, at most 200)
}

// Size is the number of payments a list holds at most.
func (f PaymentFilter) Size() int { return mercato.Page{Limit: f.Limit}.Size() }

// Validate checks the kind is one of PaymentKinds, naming the field.
func (f PaymentFilter) Validate() error {
	if f.Kind == "" {
		return nil
	}
	for _, k := range PaymentKinds {
		if f.Kind == k {
			return nil
		}
	}
	return mercato.Invalid("invalid payment filter", mercato.FieldError{Path: "status", Message: `must be "full", "partial" or "refund"`, Value: string(f.Kind)})
}

// ListedPayment is a payment as the operator's list shows it: with its
// invoice's number and total, the customer billed, and its kind.
type ListedPayment struct {
	Payment
	InvoiceNumber string
	InvoiceTotal  decimal.Decimal
	CustomerID    int64
	Customer      string
	Kind          PaymentKind
}
