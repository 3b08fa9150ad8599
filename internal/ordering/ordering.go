// Package ordering holds the use cases of buying: placing an order (the
// customer defaulted, the request validated, an Idempotency-Key replayed or
// refused, the price computed through the channel, then the order, its
// subscription, its first charges and the CREATED event written in one
// transaction), quoting a plan through the channel, and CHANGE orders
// (seats and plan, prorated through the channel, charged in the same
// transaction; see internal/charging).
// It runs over a repository it defines here (Tx, Reader), which
// internal/store implements, and knows nothing of HTTP or SQL.
package ordering

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/mercato-market/mercato/internal/armproduct"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/charging"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Reader is what ordering reads on a caller's behalf, in or outside a
// transaction; reads apply the store's visibility rules.
type Reader interface {
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	// Plan returns a live plan whose product p sees, with the product.
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
	// ChannelPrices reads the vendor's fee and the channel's price-list
	// entries for a plan above a reseller (given, or the customer's).
	ChannelPrices(ctx context.Context, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error)
	// CouponByCode returns the coupon of a code (upper case), whoever
	// granted it.
	CouponByCode(ctx context.Context, code string) (coupon.Coupon, error)
	// Rates: a customer's currency and the exchange-rate table.
	charging.Rates
}

// Tx is the repository an order or a change runs on, inside one
// transaction.
type Tx interface {
	lifecycle.Tx
	Reader
	InsertSubscription(ctx context.Context, sub *subscription.Subscription) error
	OrderByID(ctx context.Context, id int64) (subscription.Order, error)
	// IdempotencyKey reads the request hash and response stored under an
	// organization's key.
	IdempotencyKey(ctx context.Context, orgID int64, key string) (requestHash, response string, found bool, err error)
	// PutIdempotencyKey stores them; false when the key is taken.
	PutIdempotencyKey(ctx context.Context, orgID int64, key, requestHash, response string) (bool, error)
	// RedeemCoupon counts and records a coupon's redemption by an order;
	// false (nothing written) when it is inactive or used up by now.
	RedeemCoupon(ctx context.Context, couponID, subID, orderID, customerID int64) (bool, error)
	// InsertTermsAcceptance records the publisher's terms the buyer
	// accepted with an order.
	InsertTermsAcceptance(ctx context.Context, a catalog.TermsAcceptance) error
}

// Reads are what the service reads outside a transaction; reads apply
// the store's visibility rules.
type Reads interface {
	Reader
	ListOrders(ctx context.Context, p mercato.Principal, f subscription.OrderFilter, page mercato.Page) ([]subscription.Order, int64, error)
	Order(ctx context.Context, p mercato.Principal, id int64) (subscription.Order, error)
	// TermsAcceptance is the terms accepted with a subscription's first
	// order (false: none).
	TermsAcceptance(ctx context.Context, p mercato.Principal, subID int64) (catalog.TermsAcceptance, bool, error)
	// Clock is the store's now (coupons expire by it).
	Clock() time.Time
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service runs the ordering use cases.
type Service struct {
	read Reads
	inTx InTx
}

// New returns the ordering service over its repositories.
func New(reads Reads, inTx InTx) *Service { return &Service{read: reads, inTx: inTx} }

// ListOrders lists the orders p sees.
func (s *Service) ListOrders(ctx context.Context, p mercato.Principal, f subscription.OrderFilter, page mercato.Page) ([]subscription.Order, int64, error) {
	return s.read.ListOrders(ctx, p, f, page)
}

// TermsAcceptance returns the publisher's terms accepted with the first
// order of a subscription p sees, or nil when its product had none.
func (s *Service) TermsAcceptance(ctx context.Context, p mercato.Principal, subID int64) (*catalog.TermsAcceptance, error) {
	a, ok, err := s.read.TermsAcceptance(ctx, p, subID)
	if err != nil || !ok {
		return nil, err
	}
	return &a, nil
}

// Order returns an order p sees.
func (s *Service) Order(ctx context.Context, p mercato.Principal, id int64) (subscription.Order, error) {
	return s.read.Order(ctx, p, id)
}

// PlaceOrder validates a purchase, prices it through the channel and
// creates the order, its subscription and the subscription's CREATED event
// in one transaction. A customer buys for itself; its reseller, distributor
// or the platform may buy for it; a vendor buys its own products as a
// SANDBOX for testing.
func (s *Service) PlaceOrder(ctx context.Context, p mercato.Principal, r subscription.OrderRequest) (subscription.Order, error) {
	if r.CustomerID == 0 && (p.OrgKind == mercato.KindCustomer || p.OrgKind == mercato.KindVendor) {
		r.CustomerID = p.OrgID
	}
	if r.Configuration == nil {
		r.Configuration = map[string]any{}
	}
	r.Coupon = coupon.Normalize(r.Coupon)
	if err := r.Validate(); err != nil {
		return subscription.Order{}, err
	}
	if err := checkCode(r.Coupon, "invalid order"); err != nil {
		return subscription.Order{}, err
	}
	requestHash, err := hashRequest(r)
	if err != nil {
		return subscription.Order{}, err
	}
	var order subscription.Order
	err = s.inTx(ctx, func(tx Tx) error {
		if r.IdempotencyKey != "" {
			existing, found, err := replay(ctx, tx, p, r.IdempotencyKey, requestHash)
			if err != nil || found {
				order = existing
				return err
			}
		}
		var err error
		if order, err = place(ctx, tx, p, r); err != nil {
			return err
		}
		if r.IdempotencyKey == "" {
			return nil
		}
		resp, err := json.Marshal(map[string]int64{"order_id": order.ID})
		if err != nil {
			return err
		}
		stored, err := tx.PutIdempotencyKey(ctx, p.OrgID, r.IdempotencyKey, requestHash, string(resp))
		if err == nil && !stored {
			return mercato.Errorf(mercato.ECONFLICT, "a request with this Idempotency-Key is in progress; retry")
		}
		return err
	})
	if err != nil {
		return order, fmt.Errorf("place order: %w", err)
	}
	return order, nil
}

// sameTotal checks that an order charges what it shows: its charges are
// what the customer will be invoiced.
func sameTotal(o subscription.Order, charges []billing.Charge) error {
	total := decimal.Zero
	for _, c := range charges {
		total = total.Add(c.Total())
	}
	if !total.Equal(o.Total) {
		return fmt.Errorf("order %d: its charges total %s, the order %s", o.ID, total, o.Total)
	}
	return nil
}

// hashRequest is the fingerprint of a request stored with its
// Idempotency-Key: a retry must send the same.
func hashRequest(r subscription.OrderRequest) (string, error) {
	r.IdempotencyKey = ""
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("hash request: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// replay returns the order an earlier request with the same idempotency
// key created; the same key with another request is refused.
func replay(ctx context.Context, tx Tx, p mercato.Principal, key, requestHash string) (subscription.Order, bool, error) {
	storedHash, resp, found, err := tx.IdempotencyKey(ctx, p.OrgID, key)
	if err != nil || !found {
		return subscription.Order{}, false, err
	}
	if storedHash != requestHash {
		return subscription.Order{}, false, mercato.Errorf(mercato.EINVALID, "this Idempotency-Key was used with a different request")
	}
	var ref struct {
		OrderID int64 `json:"order_id"`
	}
	if err := json.Unmarshal([]byte(resp), &ref); err != nil {
		return subscription.Order{}, false, fmt.Errorf("idempotency response: %w", err)
	}
	o, err := tx.OrderByID(ctx, ref.OrderID)
	return o, true, err
}

// place checks who buys what for whom, prices the order and writes it.
func place(ctx context.Context, tx Tx, p mercato.Principal, r subscription.OrderRequest) (subscription.Order, error) {
	customer, err := tx.Organization(ctx, p, r.CustomerID)
	if err != nil {
		return subscription.Order{}, mercato.Invalid("invalid order", mercato.FieldError{Path: "customer_id", Message: "no such customer", Value: r.CustomerID})
	}
	sandbox := p.OrgKind == mercato.KindVendor && customer.ID == p.OrgID
	if customer.Kind != mercato.KindCustomer && !sandbox {
		return subscription.Order{}, mercato.Invalid("invalid order", mercato.FieldError{Path: "customer_id", Message: "is not a customer", Value: r.CustomerID})
	}
	if p.OrgKind == mercato.KindVendor && !sandbox {
		return subscription.Order{}, mercato.Errorf(mercato.EFORBIDDEN, "a vendor places only sandbox orders for itself")
	}
	// The customer's currency is on the row just read: the quote and the
	// conversion below take it from there instead of asking the database
	// twice more (issue 19, round trips of a placed order).
	tx = knownCurrency{Tx: tx, orgID: customer.ID, currency: customer.Currency}
	plan, prod, err := tx.Plan(ctx, p, r.PlanID)
	if err != nil {
		return subscription.Order{}, mercato.Invalid("invalid order", mercato.FieldError{Path: "plan_id", Message: "no such plan", Value: r.PlanID})
	}
	if sandbox && prod.VendorID != p.OrgID {
		return subscription.Order{}, mercato.Invalid("invalid order", mercato.FieldError{Path: "plan_id", Message: "a sandbox order must be for one of your own products", Value: r.PlanID})
	}
	if !prod.Published && !sandbox {
		return subscription.Order{}, mercato.Invalid("invalid order", mercato.FieldError{Path: "plan_id", Message: "the product is not published", Value: r.PlanID})
	}
	if err := catalog.ValidateConfiguration(prod.Parameters, r.Configuration); err != nil {
		return subscription.Order{}, err
	}
	// A template's own types (objects and arrays with their properties)
	// are checked as Azure will check them, not discovered at deployment.
	if err := armproduct.CheckConfiguration(prod, r.Configuration); err != nil {
		return subscription.Order{}, err
	}
	// The publisher's terms (an Azure Marketplace VM offer's): the buyer
	// accepts them with the order, or nothing is sold.
	pubTerms, hasTerms := prod.Terms()
	if hasTerms && !r.AcceptTerms {
		return subscription.Order{}, mercato.Invalid("invalid order", mercato.FieldError{Path: "accept_terms",
			Message: "the publisher's terms of this product must be accepted (true)", Value: r.AcceptTerms})
	}
	// Secret values are sealed at rest and shown masked (subscription.Secret).
	r.Configuration = subscription.SealSecrets(r.Configuration, catalog.SecretNames(prod.Parameters))
	now := tx.Now()
	q, prices, cp, err := quote(ctx, tx, p, plan, prod, QuoteRequest{PlanID: plan.ID, Quantity: r.Quantity, CustomerID: customer.ID, Coupon: r.Coupon}, now)
	if err != nil {
		return subscription.Order{}, mercato.Prefixed(err, "")
	}
	sold, err := billing.NewVersion(plan.ID, plan.Name, r.Quantity, plan.Pricing, prod.VendorID, prices)
	if err != nil {
		return subscription.Order{}, mercato.Prefixed(err, "")
	}
	// The customer is billed in its own currency, at the rate of the day
	// of the sale (quote converted q the same way).
	if sold, err = charging.InCurrency(ctx, tx, sold, customer.ID, now); err != nil {
		return subscription.Order{}, err
	}
	sub := subscription.Subscription{
		CustomerID: customer.ID, ResellerID: customer.ParentID, ProductID: prod.ID, PlanID: plan.ID,
		Type: subscription.TypeNormal, AutoRenew: true, Quantity: r.Quantity,
		Configuration: r.Configuration, Currency: q.Currency, StartDate: now,
	}
	if sandbox {
		sub.ResellerID = nil
	}
	term, err := subscription.Term(plan.Pricing)
	if err != nil {
		return subscription.Order{}, err
	}
	sub.EndDate = term.AddTo(now)
	switch {
	case sandbox:
		sub.Type, sub.Paid, sub.Status = subscription.TypeSandbox, true, subscription.Pending
	case plan.Pricing.TrialDays > 0:
		// Trials start at once and skip payment (Cloudesire's rule).
		sub.Type, sub.Status = subscription.TypeTrial, subscription.Cleared(prod.RequiresApproval)
		sub.EndDate = now.AddDate(0, 0, plan.Pricing.TrialDays)
		if cp != nil {
			sub.EndDate = sub.EndDate.AddDate(0, 0, cp.TrialExtensionDays) // an extended trial
		}
	case customer.OnAccount:
		sub.Paid, sub.Status = true, subscription.Cleared(prod.RequiresApproval)
	default:
		sub.Status = subscription.WaitingPayment
	}
	sub.CreatedAt, sub.UpdatedAt = now, now
	if err := tx.InsertSubscription(ctx, &sub); err != nil {
		return subscription.Order{}, err
	}
	order := subscription.Order{
		Type: subscription.OrderNew, CustomerID: customer.ID, PlanID: plan.ID, SubscriptionID: sub.ID,
		Quantity: r.Quantity, Configuration: r.Configuration, Currency: q.Currency, Total: q.Total, Lines: q.Lines, CreatedAt: now,
		Coupon: q.Coupon,
	}
	if err := tx.InsertOrder(ctx, p, &order); err != nil {
		return order, err
	}
	if hasTerms {
		err := tx.InsertTermsAcceptance(ctx, catalog.TermsAcceptance{OrderID: order.ID, SubscriptionID: sub.ID, UserID: p.UserID,
			OrganizationID: p.OrgID, AcceptedAt: now, Terms: pubTerms, Version: pubTerms.Version()})
		if err != nil {
			return order, err
		}
	}
	var terms *coupon.Terms
	if cp != nil {
		// Counted in this transaction: concurrent orders never redeem a
		// coupon beyond its limit.
		ok, err := tx.RedeemCoupon(ctx, cp.ID, sub.ID, order.ID, customer.ID)
		if err != nil {
			return order, err
		}
		if !ok {
			return order, notApplicable(cp.Code, "this coupon has been used up")
		}
		t := cp.Terms()
		terms = &t
	}
	charges, err := charging.Open(ctx, tx, billing.NewPricer(), sub, sold, order.ID, terms)
	if err != nil {
		return order, err
	}
	if sub.Type == subscription.TypeNormal {
		if err := sameTotal(order, charges); err != nil {
			return order, err
		}
	}
	details := map[string]any{"subscription_id": sub.ID, "plan_id": plan.ID,
		"customer_id": customer.ID, "quantity": r.Quantity, "total": order.Total.String(), "currency": order.Currency}
	if order.Coupon != "" {
		details["coupon"] = order.Coupon
	}
	if hasTerms {
		details["terms_version"] = pubTerms.Version()
	}
	if err := tx.Audit(ctx, p, "order.place", "order", order.ID, details); err != nil {
		return order, err
	}
	return order, tx.RecordEvent(ctx, subscription.EntitySubscription, sub.ID, subscription.EventCreated, nil)
}

// knownCurrency is a Tx that answers the currency of one organization,
// already read, without reading it again.
type knownCurrency struct {
	Tx
	orgID    int64
	currency string
}

func (k knownCurrency) OrganizationCurrency(ctx context.Context, orgID int64) (string, error) {
	if orgID == k.orgID {
		return k.currency, nil
	}
	return k.Tx.OrganizationCurrency(ctx, orgID)
}
