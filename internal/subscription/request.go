package subscription

import (
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
)

// MaxQuantity bounds the seats (units) of an order or a change, whoever asks:
// the REST API, the Cloudesire-compatible API, the control panel and the
// connectors all reach the same Validate.
const MaxQuantity = 1_000_000_000

// OrderRequest is a purchase of a plan. The field names and their order are
// part of the Idempotency-Key request hash: keep them.
type OrderRequest struct {
	CustomerID    int64
	PlanID        int64
	Quantity      int64
	Configuration map[string]any
	// Coupon is a coupon code to redeem ("": none).
	Coupon string
	// AcceptTerms says the buyer accepts the product's publisher terms
	// (catalog.Product.Terms); required for a product that has them.
	AcceptTerms bool
	// IdempotencyKey, when set, makes a retry of the same request return
	// the first order instead of placing another.
	IdempotencyKey string
}

// Validate checks what an order must carry before anything is read: a
// customer (defaulted by the ordering service for a customer buying for
// itself), a plan, a quantity within bounds and a configuration object
// (empty when the product has no parameters).
func (r OrderRequest) Validate() error {
	var fe mercato.FieldErrors
	quantity(&fe, "quantity", r.Quantity)
	if r.CustomerID == 0 {
		fe.Add("customer_id", "is required")
	}
	if r.PlanID == 0 {
		fe.Add("plan_id", "is required")
	}
	if r.Configuration == nil {
		fe.Add("configuration", "is required (an empty object when the product has no parameters)")
	}
	return fe.Err("invalid order")
}

// Change holds what a customer may change on a subscription; nil fields
// stay as they are.
type Change struct {
	Quantity  *int64
	PlanID    *int64
	AutoRenew *bool
	// AtRenewal schedules the seat or plan change for the end of the
	// current term, when the subscription renews, instead of now (Partner
	// Center's changes scheduled for renewal): nothing is charged or
	// refunded for it, and the term goes on as sold. It is how a committed
	// subscription past its cancellation window takes fewer seats or a
	// cheaper plan.
	AtRenewal bool
}

// ScheduledChange is a downgrade sold and not yet in effect: the plan and
// quantity the subscription has from From, the end of the period already
// charged (Cloudesire's rule) or, for a change scheduled for renewal, the
// end of the term, unless it is cancelled before.
type ScheduledChange struct {
	PlanID   int64
	Quantity int64
	From     time.Time
}

// Validate checks a change's bounds.
func (c Change) Validate() error {
	var fe mercato.FieldErrors
	if c.Quantity != nil {
		quantity(&fe, "quantity", *c.Quantity)
	}
	if c.PlanID != nil && *c.PlanID < 1 {
		fe.Add("plan_id", "must be at least 1")
	}
	if c.AtRenewal && c.Quantity == nil && c.PlanID == nil {
		fe.Add("at_renewal", "schedules a change of seats or plan: give quantity or plan_id")
	}
	return fe.Err("invalid change")
}

func quantity(fe *mercato.FieldErrors, path string, q int64) {
	switch {
	case q < 1:
		fe.Add(path, "must be at least 1")
	case q > MaxQuantity:
		fe.Add(path, "must be at most %d", MaxQuantity)
	}
}
