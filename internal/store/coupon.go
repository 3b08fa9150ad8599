package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Coupons (migration 00017): the coupons parties grant, their
// redemptions, counted in the order's transaction.

const couponColumns = `c.id, c.code, c.kind, c.value, c.currency, c.duration, c.periods, c.product_ids, c.plan_ids, c.max_redemptions,
	c.redemptions, c.expires_at, c.trial_extension_days, c.granter_id, c.granter_kind, c.active, c.created_at`

func scanCoupon(row scanner) (coupon.Coupon, error) {
	var (
		c       coupon.Coupon
		expires sql.NullTime
	)
	err := row.Scan(&c.ID, &c.Code, &c.Kind, &c.Value, &c.Currency, &c.Duration, &c.Periods, jsonColumn{&c.ProductIDs}, jsonColumn{&c.PlanIDs},
		&c.MaxRedemptions, &c.Redemptions, &expires, &c.TrialExtensionDays, &c.GranterID, &c.GranterKind, &c.Active, &c.CreatedAt)
	if err != nil {
		return c, err
	}
	c.ExpiresAt, c.CreatedAt = timeOf(expires), c.CreatedAt.UTC()
	return c, nil
}

// couponScope limits coupons to those p sees: the platform every one,
// anyone else those its organization granted.
func couponScope(q *query, p mercato.Principal) {
	if p.IsPlatform() {
		q.add("TRUE")
		return
	}
	q.add("c.granter_id = %a", p.OrgID)
}

// ListCoupons lists the coupons p sees.
func (s *Store) ListCoupons(ctx context.Context, p mercato.Principal, page Page) ([]coupon.Coupon, int64, error) {
	q := &query{}
	q.add("SELECT " + couponColumns + " FROM coupons c WHERE ")
	couponScope(q, p)
	return list(ctx, s.rd(), q, "c.id", page, "coupons", scanCoupon, func(c coupon.Coupon) int64 { return c.ID })
}

// Coupon returns a coupon p sees.
func (s *Store) Coupon(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error) {
	q := &query{}
	q.add("SELECT "+couponColumns+" FROM coupons c WHERE c.id = %a AND ", id)
	couponScope(q, p)
	c, err := scanCoupon(s.rd().QueryRowContext(ctx, q.String(), q.args...))
	return c, notFoundIfNoRows(err, "coupon", id)
}

// CouponByCode returns the coupon of a code (upper case), whoever granted
// it: a customer redeems a code it was given.
func (s *Store) CouponByCode(ctx context.Context, code string) (coupon.Coupon, error) {
	return couponByCode(ctx, s.rd(), code)
}

// CouponByCode is Store.CouponByCode inside the transaction.
func (tx *Tx) CouponByCode(ctx context.Context, code string) (coupon.Coupon, error) {
	return couponByCode(ctx, tx.t, code)
}

func couponByCode(ctx context.Context, db queryer, code string) (coupon.Coupon, error) {
	c, err := scanCoupon(db.QueryRowContext(ctx, "SELECT "+couponColumns+" FROM coupons c WHERE c.code = $1", code))
	return c, notFoundIfNoRows(err, "coupon", code)
}

// Coupon returns a coupon p sees, inside the transaction.
func (tx *Tx) Coupon(ctx context.Context, p mercato.Principal, id int64) (coupon.Coupon, error) {
	q := &query{}
	q.add("SELECT "+couponColumns+" FROM coupons c WHERE c.id = %a AND ", id)
	couponScope(q, p)
	c, err := scanCoupon(tx.t.QueryRowContext(ctx, q.String(), q.args...))
	return c, notFoundIfNoRows(err, "coupon", id)
}

// InsertCoupon writes a new coupon; a code taken is refused naming code.
func (tx *Tx) InsertCoupon(ctx context.Context, c *coupon.Coupon) error {
	products, err := jsonText(orEmpty(c.ProductIDs))
	if err != nil {
		return err
	}
	plans, err := jsonText(orEmpty(c.PlanIDs))
	if err != nil {
		return err
	}
	err = tx.t.QueryRowContext(ctx, `INSERT INTO coupons (code, kind, value, currency, duration, periods, product_ids, plan_ids, max_redemptions,
		redemptions, expires_at, trial_extension_days, granter_id, granter_kind, active, created_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,0,$10,$11,$12,$13,TRUE,$14) RETURNING id`,
		c.Code, c.Kind, c.Value.String(), c.Currency, c.Duration, c.Periods, products, plans, c.MaxRedemptions,
		nullTime(c.ExpiresAt), c.TrialExtensionDays, c.GranterID, string(c.GranterKind), c.CreatedAt).Scan(&c.ID)
	if isUniqueViolation(err) {
		return mercato.Invalid("invalid coupon", mercato.FieldError{Path: "code", Message: "this code is taken", Value: c.Code})
	}
	if err != nil {
		return fmt.Errorf("insert coupon: %w", err)
	}
	c.Active = true
	return nil
}

func orEmpty(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// DeactivateCoupon ends a coupon's redemptions (the subscriptions sold
// with it keep their discount).
func (tx *Tx) DeactivateCoupon(ctx context.Context, id int64) error {
	if _, err := tx.t.ExecContext(ctx, `UPDATE coupons SET active = FALSE WHERE id = $1`, id); err != nil {
		return fmt.Errorf("deactivate coupon %d: %w", id, err)
	}
	return nil
}

// RedeemCoupon counts a redemption of a coupon by an order and records it,
// unless the coupon is inactive or used up by then: false, nothing
// written. The count moves in one conditional UPDATE, which PostgreSQL
// re-evaluates on the row after a concurrent redemption commits (and
// SQLite runs one writer at a time), so concurrent orders never redeem
// more than max_redemptions.
func (tx *Tx) RedeemCoupon(ctx context.Context, couponID, subID, orderID, customerID int64) (bool, error) {
	res, err := tx.t.ExecContext(ctx, `UPDATE coupons SET redemptions = redemptions + 1
		WHERE id = $1 AND active AND (max_redemptions = 0 OR redemptions < max_redemptions)`, couponID)
	if err != nil {
		return false, fmt.Errorf("redeem coupon %d: %w", couponID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if _, err := tx.t.ExecContext(ctx, `INSERT INTO coupon_redemptions (coupon_id, subscription_id, order_id, customer_id, created_at) VALUES ($1,$2,$3,$4,$5)`,
		couponID, subID, orderID, customerID, tx.Now()); err != nil {
		return false, fmt.Errorf("record redemption of coupon %d: %w", couponID, err)
	}
	return true, nil
}
