package subscription

import (
	"fmt"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Type is a subscription's billing type.
type Type string

// Subscription types.
const (
	TypeNormal  Type = "NORMAL"
	TypeTrial   Type = "TRIAL"
	TypeSandbox Type = "SANDBOX" // a vendor's own test purchase, never billed
)

// Subscription is a customer's running purchase of a plan.
type Subscription struct {
	ID            int64
	CustomerID    int64
	ResellerID    *int64 // the reseller that sold it, if any
	ProductID     int64
	PlanID        int64
	Type          Type
	Status        Status
	Paid          bool
	AutoRenew     bool
	Quantity      int64
	Configuration map[string]any
	Currency      string
	StartDate     time.Time
	EndDate       time.Time
	// TerminateAt is when a termination asked for outside a commitment's
	// cancellation window takes effect (the end of the term): the
	// subscription then ends instead of renewing. Nil: none scheduled.
	TerminateAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// Name is a descriptive name its customer, seller or provider gave it
	// (Cloudesire's SET_NAME); "": none.
	Name string
	// RejectionReason is why the operator rejected the order that needed
	// its approval (at most MaxRejectionReason characters); "": not
	// rejected.
	RejectionReason string
}

// MaxRejectionReason bounds the reason given for rejecting an order.
const MaxRejectionReason = 500

// OrderType says why an order was placed.
type OrderType string

// Order types.
const (
	OrderNew     OrderType = "NEW"
	OrderChange  OrderType = "CHANGE"
	OrderRenewal OrderType = "RENEWAL"
)

// Order is a customer's request to buy (or change) a plan, priced at the
// moment it was placed.
type Order struct {
	ID             int64
	Type           OrderType
	CustomerID     int64
	PlanID         int64
	SubscriptionID int64
	Quantity       int64
	Configuration  map[string]any
	Currency       string
	Total          decimal.Decimal
	Lines          []pricing.Line
	CreatedAt      time.Time
	Coupon         string // the coupon code a NEW order redeemed ("": none); its discount is a line
}

// Entity names of lifecycle events, as on the syndication wire.
const (
	EntitySubscription   = "Subscription"
	EntityInvoice        = "Invoice"
	EntityUser           = "User"
	EntityProductVersion = "ProductVersion"
)

// Event types.
const (
	EventCreated  = "CREATED"
	EventModified = "MODIFIED"
	EventDeleted  = "DELETED"
)

// Event is one row of the lifecycle outbox, written in the same
// transaction as the change it reports.
type Event struct {
	ID         int64
	Entity     string
	EntityID   int64
	Type       string
	OccurredAt time.Time
	Metadata   map[string]string
}

// Diff is what a change did to a subscription, for the audit log: each
// changed field with its value before and after.
func Diff(before, after Subscription) map[string]any {
	d := map[string]any{}
	if before.Status != after.Status {
		d["deployment_status"] = []any{before.Status, after.Status}
	}
	if before.Quantity != after.Quantity {
		d["quantity"] = []any{before.Quantity, after.Quantity}
	}
	if before.PlanID != after.PlanID {
		d["plan_id"] = []any{before.PlanID, after.PlanID}
	}
	if before.Paid != after.Paid {
		d["paid"] = []any{before.Paid, after.Paid}
	}
	if before.AutoRenew != after.AutoRenew {
		d["auto_renew"] = []any{before.AutoRenew, after.AutoRenew}
	}
	if !before.EndDate.Equal(after.EndDate) {
		d["end_date"] = []any{before.EndDate, after.EndDate}
	}
	if (before.TerminateAt == nil) != (after.TerminateAt == nil) || before.TerminateAt != nil && !before.TerminateAt.Equal(*after.TerminateAt) {
		d["terminate_at"] = []any{before.TerminateAt, after.TerminateAt}
	}
	if before.RejectionReason != after.RejectionReason {
		d["rejection_reason"] = []any{before.RejectionReason, after.RejectionReason}
	}
	return d
}

// Term returns a plan's commitment: its term, or one billing period (a
// month when the plan names none).
func Term(p pricing.Pricing) (pricing.Period, error) {
	return pricing.ParsePeriod(p.Normalize().Term)
}

// MaxNameLength bounds a subscription's name, in characters (Cloudesire's
// bound).
const MaxNameLength = 255

// ValidateName checks a subscription's name: at most MaxNameLength
// characters, printable (no control characters), "" to clear it.
func ValidateName(name string) error {
	if utf8.RuneCountInString(name) > MaxNameLength {
		return mercato.Invalid("invalid name", mercato.FieldError{Path: "name", Message: fmt.Sprintf("at most %d characters", MaxNameLength)})
	}
	for _, r := range name {
		if unicode.IsControl(r) {
			return mercato.Invalid("invalid name", mercato.FieldError{Path: "name", Message: "must not hold control characters"})
		}
	}
	return nil
}
