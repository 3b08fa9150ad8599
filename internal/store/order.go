package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// OrderRequest is a purchase of a plan.
type OrderRequest struct {
	CustomerID    int64
	PlanID        int64
	Quantity      int64
	Configuration map[string]any
	// IdempotencyKey, when set, makes a retry of the same request return
	// the first order instead of placing another.
	IdempotencyKey string
}

const orderColumns = "o.id, o.type, o.customer_id, o.plan_id, o.subscription_id, o.quantity, o.configuration, o.currency, o.total, o.lines, o.created_at"

func scanOrder(row scanner) (subscription.Order, error) {
	var o subscription.Order
	err := row.Scan(&o.ID, &o.Type, &o.CustomerID, &o.PlanID, &o.SubscriptionID, &o.Quantity, jsonColumn{&o.Configuration},
		&o.Currency, &o.Total, jsonColumn{&o.Lines}, &o.CreatedAt)
	o.CreatedAt = o.CreatedAt.UTC()
	return o, err
}

// PlaceOrder validates a purchase, prices it through the channel and
// creates the order, its subscription and the subscription's CREATED event
// in one transaction. A customer buys for itself; its reseller, distributor
// or the platform may buy for it; a vendor buys its own products as a
// SANDBOX for testing.
func (s *Store) PlaceOrder(ctx context.Context, p mercato.Principal, r OrderRequest) (subscription.Order, error) {
	if p.OrgKind == mercato.KindCustomer || (p.OrgKind == mercato.KindVendor && r.CustomerID == 0) {
		if r.CustomerID == 0 {
			r.CustomerID = p.OrgID
		}
	}
	if r.Configuration == nil {
		r.Configuration = map[string]any{}
	}
	var fe mercato.FieldErrors
	if r.Quantity < 1 {
		fe.Add("quantity", "must be at least 1")
	}
	if r.CustomerID == 0 {
		fe.Add("customer_id", "is required")
	}
	if r.PlanID == 0 {
		fe.Add("plan_id", "is required")
	}
	if err := fe.Err("invalid order"); err != nil {
		return subscription.Order{}, err
	}
	requestHash, err := hashRequest(r)
	if err != nil {
		return subscription.Order{}, err
	}
	var order subscription.Order
	err = s.tx(ctx, func(tx *txn) error {
		if r.IdempotencyKey != "" {
			existing, found, err := s.replayOrder(ctx, tx, p, r.IdempotencyKey, requestHash)
			if err != nil || found {
				order = existing
				return err
			}
		}
		var err error
		order, err = s.placeOrder(ctx, tx, p, r)
		if err != nil {
			return err
		}
		if r.IdempotencyKey != "" {
			resp, _ := json.Marshal(map[string]int64{"order_id": order.ID})
			_, err = tx.ExecContext(ctx, `INSERT INTO idempotency_keys (organization_id, key, request_hash, response, created_at) VALUES ($1,$2,$3,$4,$5)`,
				p.OrgID, r.IdempotencyKey, requestHash, string(resp), s.now())
			if isUniqueViolation(err) {
				return mercato.Errorf(mercato.ECONFLICT, "a request with this Idempotency-Key is in progress; retry")
			}
		}
		return err
	})
	if err != nil {
		return order, fmt.Errorf("place order: %w", err)
	}
	return order, nil
}

func hashRequest(r OrderRequest) (string, error) {
	r.IdempotencyKey = ""
	b, err := json.Marshal(r)
	if err != nil {
		return "", fmt.Errorf("hash request: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// replayOrder returns the order an earlier request with the same
// idempotency key created.
func (s *Store) replayOrder(ctx context.Context, tx *txn, p mercato.Principal, key, requestHash string) (subscription.Order, bool, error) {
	var storedHash, resp string
	err := tx.QueryRowContext(ctx, `SELECT request_hash, response FROM idempotency_keys WHERE organization_id = $1 AND key = $2`, p.OrgID, key).Scan(&storedHash, &resp)
	if err == sql.ErrNoRows {
		return subscription.Order{}, false, nil
	}
	if err != nil {
		return subscription.Order{}, false, fmt.Errorf("idempotency key: %w", err)
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
	o, err := scanOrder(tx.QueryRowContext(ctx, "SELECT "+orderColumns+" FROM orders o WHERE o.id = $1", ref.OrderID))
	return o, true, err
}

func (s *Store) placeOrder(ctx context.Context, tx *txn, p mercato.Principal, r OrderRequest) (subscription.Order, error) {
	customer, err := s.organization(ctx, tx, p, r.CustomerID)
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
	plan, prod, err := s.plan(ctx, tx, p, r.PlanID)
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
	q, err := s.quote(ctx, tx, p, plan, prod, QuoteRequest{PlanID: plan.ID, Quantity: r.Quantity, CustomerID: customer.ID})
	if err != nil {
		return subscription.Order{}, mercato.Prefixed(err, "")
	}
	now := s.now()
	sub := subscription.Subscription{
		CustomerID: customer.ID, ResellerID: customer.ParentID, ProductID: prod.ID, PlanID: plan.ID,
		Type: subscription.TypeNormal, AutoRenew: true, Quantity: r.Quantity,
		Configuration: r.Configuration, Currency: q.Currency, StartDate: now,
	}
	if sandbox {
		sub.ResellerID = nil
	}
	term, err := termOf(plan.Pricing)
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
	case customer.OnAccount:
		sub.Paid, sub.Status = true, subscription.Cleared(prod.RequiresApproval)
	default:
		sub.Status = subscription.WaitingPayment
	}
	sub.CreatedAt, sub.UpdatedAt = now, now
	if err := s.insertSubscription(ctx, tx, &sub); err != nil {
		return subscription.Order{}, err
	}
	order := subscription.Order{
		Type: subscription.OrderNew, CustomerID: customer.ID, PlanID: plan.ID, SubscriptionID: sub.ID,
		Quantity: r.Quantity, Configuration: r.Configuration, Currency: q.Currency, Total: q.Total, Lines: q.Lines, CreatedAt: now,
	}
	if err := s.insertOrder(ctx, tx, p, &order); err != nil {
		return order, err
	}
	if err := s.audit(ctx, tx, p, "order.place", "order", order.ID, map[string]any{"subscription_id": sub.ID, "plan_id": plan.ID,
		"customer_id": customer.ID, "quantity": r.Quantity, "total": order.Total.String(), "currency": order.Currency}); err != nil {
		return order, err
	}
	return order, s.recordEvent(ctx, tx, subscription.EntitySubscription, sub.ID, subscription.EventCreated, nil)
}

var pricingOne = decimal.NewFromInt(1)

// termOf returns a plan's commitment: its term, or one billing period.
func termOf(p pricing.Pricing) (pricing.Period, error) {
	t := p.Term
	if t == "" {
		t = p.Period
	}
	if t == "" {
		t = "P1M"
	}
	return pricing.ParsePeriod(t)
}

func (s *Store) insertOrder(ctx context.Context, tx *txn, p mercato.Principal, o *subscription.Order) error {
	cfg, err := jsonText(o.Configuration)
	if err != nil {
		return err
	}
	if o.Lines == nil {
		o.Lines = []pricing.Line{}
	}
	lines, err := jsonText(o.Lines)
	if err != nil {
		return err
	}
	var createdBy *int64
	if p.UserID != 0 {
		createdBy = &p.UserID
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO orders (type, customer_id, plan_id, subscription_id, quantity, configuration, currency, total, lines, created_by, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING id`,
		o.Type, o.CustomerID, o.PlanID, o.SubscriptionID, o.Quantity, cfg, o.Currency, o.Total.String(), lines, createdBy, o.CreatedAt).Scan(&o.ID)
	if err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	return nil
}

// OrderFilter narrows a list of orders.
type OrderFilter struct {
	CustomerID     int64
	SubscriptionID int64
}

// ListOrders lists the orders visible to p.
func (s *Store) ListOrders(ctx context.Context, p mercato.Principal, f OrderFilter, page Page) ([]subscription.Order, int64, error) {
	q := &query{}
	q.add("SELECT " + orderColumns + " FROM orders o JOIN plans pl ON pl.id = o.plan_id WHERE ")
	subscriptionScope(q, p, "o.customer_id", "pl.product_id")
	if f.CustomerID != 0 {
		q.add(" AND o.customer_id = %a", f.CustomerID)
	}
	if f.SubscriptionID != 0 {
		q.add(" AND o.subscription_id = %a", f.SubscriptionID)
	}
	return list(ctx, s.rd(), q, "o.id", page, "orders", scanOrder, func(o subscription.Order) int64 { return o.ID })
}

// Order returns one order visible to p.
func (s *Store) Order(ctx context.Context, p mercato.Principal, id int64) (subscription.Order, error) {
	q := &query{}
	q.add("SELECT "+orderColumns+" FROM orders o JOIN plans pl ON pl.id = o.plan_id WHERE o.id = %a AND ", id)
	subscriptionScope(q, p, "o.customer_id", "pl.product_id")
	o, err := scanOrder(s.rd().QueryRowContext(ctx, q.String(), q.args...))
	if err != nil {
		return o, notFoundIfNoRows(err, "order", id)
	}
	return o, nil
}

// currentPeriod returns the billing period of a subscription that holds
// the instant at, stepping from its start date.
func currentPeriod(start time.Time, period pricing.Period, at time.Time) (time.Time, time.Time) {
	from := start
	to := period.AddTo(from)
	for i := 0; i < 10000 && !to.After(at); i++ {
		from, to = to, period.AddTo(to)
	}
	return from, to
}
