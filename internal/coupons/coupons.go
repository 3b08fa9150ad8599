// Package coupons holds the use cases of coupons (internal/coupon): who
// creates, reads and deactivates which. Its rules:
//
//   - the platform grants coupons on anything sold (its own share bears
//     them);
//   - a vendor grants coupons only on its own products: every product and
//     plan it limits one to must be its own, and one limited to nothing
//     still applies only to its products (checked at checkout);
//   - a distributor or a reseller grants coupons on what is sold through
//     its own channel (checked at checkout), limited to products and plans
//     it sees;
//   - a customer grants none; a viewer changes nothing;
//   - each organization reads and deactivates the coupons it granted, the
//     platform every one.
//
// Redemption (at checkout, counted in the order's transaction) belongs to
// internal/ordering.
package coupons

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Reads are what the service reads outside a transaction; they apply the
// visibility rule (the granter's own, the platform all).
type Reads interface {
	ListCoupons(ctx context.Context, p mercato.Principal, page mercato.Page) ([]coupon.Coupon, int64, error)
	Coupon(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error)
}

// Tx is what the service does inside one transaction.
type Tx interface {
	Now() time.Time
	// Plan returns a live plan whose product p sees, with the product.
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
	// Product returns a product p sees.
	Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	Coupon(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error)
	InsertCoupon(ctx context.Context, c *coupon.Coupon) error
	DeactivateCoupon(ctx context.Context, id int64) error
	Audit(ctx context.Context, p mercato.Principal, action, entity string, id int64, details map[string]any) error
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service runs the coupons' use cases.
type Service struct {
	reads Reads
	inTx  InTx
}

// New returns the service over its repositories.
func New(reads Reads, inTx InTx) *Service { return &Service{reads: reads, inTx: inTx} }

// List lists the coupons p sees.
func (s *Service) List(ctx context.Context, p mercato.Principal, page mercato.Page) ([]coupon.Coupon, int64, error) {
	return s.reads.ListCoupons(ctx, p, page)
}

// Get returns a coupon p sees.
func (s *Service) Get(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error) {
	return s.reads.Coupon(ctx, p, id)
}

// Create validates a coupon p grants and writes it; p's organization is
// the granter.
func (s *Service) Create(ctx context.Context, p mercato.Principal, c coupon.Coupon) (coupon.Coupon, error) {
	if !p.CanWrite() {
		return coupon.Coupon{}, mercato.Errorf(mercato.EFORBIDDEN, "your role may not create coupons")
	}
	if p.OrgKind == mercato.KindCustomer {
		return coupon.Coupon{}, mercato.Errorf(mercato.EFORBIDDEN, "customers do not grant coupons")
	}
	c.Code = coupon.Normalize(c.Code)
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	c.GranterID, c.GranterKind, c.Redemptions, c.Active = p.OrgID, p.OrgKind, 0, true
	if err := c.Validate(); err != nil {
		return coupon.Coupon{}, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		now := tx.Now()
		if !c.ExpiresAt.IsZero() && !c.ExpiresAt.After(now) {
			return mercato.Invalid("invalid coupon", mercato.FieldError{Path: "expires_at", Message: "must be in the future", Value: c.ExpiresAt})
		}
		if err := restrictions(ctx, tx, p, c); err != nil {
			return err
		}
		c.CreatedAt = now
		if err := tx.InsertCoupon(ctx, &c); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "coupon.create", "coupon", c.ID, map[string]any{"code": c.Code, "kind": c.Kind, "value": c.Value.String(), "duration": c.Duration})
	})
	if err != nil {
		return coupon.Coupon{}, fmt.Errorf("create coupon: %w", err)
	}
	return c, nil
}

// restrictions checks the products and plans a coupon is limited to: each
// one p sees, and a vendor's its own.
func restrictions(ctx context.Context, tx Tx, p mercato.Principal, c coupon.Coupon) error {
	for i, id := range c.ProductIDs {
		prod, err := tx.Product(ctx, p, id)
		path := fmt.Sprintf("product_ids[%d]", i)
		if err != nil {
			return mercato.Invalid("invalid coupon", mercato.FieldError{Path: path, Message: "no such product", Value: id})
		}
		if p.OrgKind == mercato.KindVendor && prod.VendorID != p.OrgID {
			return mercato.Invalid("invalid coupon", mercato.FieldError{Path: path, Message: "a vendor grants coupons on its own products only", Value: id})
		}
	}
	for i, id := range c.PlanIDs {
		_, prod, err := tx.Plan(ctx, p, id)
		path := fmt.Sprintf("plan_ids[%d]", i)
		if err != nil {
			return mercato.Invalid("invalid coupon", mercato.FieldError{Path: path, Message: "no such plan", Value: id})
		}
		if p.OrgKind == mercato.KindVendor && prod.VendorID != p.OrgID {
			return mercato.Invalid("invalid coupon", mercato.FieldError{Path: path, Message: "a vendor grants coupons on its own products only", Value: id})
		}
	}
	return nil
}

// Deactivate ends a coupon's redemptions; the subscriptions sold with it
// keep their discount for its duration. The granter or the platform.
func (s *Service) Deactivate(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error) {
	if !p.CanWrite() {
		return coupon.Coupon{}, mercato.Errorf(mercato.EFORBIDDEN, "your role may not change coupons")
	}
	var c coupon.Coupon
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.Coupon(ctx, p, id); err != nil {
			return err
		}
		if !c.Active {
			return nil
		}
		if err := tx.DeactivateCoupon(ctx, id); err != nil {
			return err
		}
		c.Active = false
		return tx.Audit(ctx, p, "coupon.deactivate", "coupon", id, map[string]any{"code": c.Code})
	})
	if err != nil {
		return coupon.Coupon{}, fmt.Errorf("deactivate coupon %d: %w", id, err)
	}
	return c, nil
}
