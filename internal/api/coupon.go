package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/mercato"
)

// Coupon is a discount a party grants, redeemed by its code at checkout.
type Coupon struct {
	ID                 int64      `json:"id"`
	Code               string     `json:"code"`
	Kind               string     `json:"kind" enum:"percent,amount"`
	Value              string     `json:"value" doc:"percent off, or the amount off each period in currency"`
	Currency           string     `json:"currency,omitempty"`
	Duration           string     `json:"duration" enum:"once,repeating,forever"`
	Periods            int        `json:"periods,omitempty" doc:"repeating: the number of periods discounted"`
	ProductIDs         []int64    `json:"product_ids"`
	PlanIDs            []int64    `json:"plan_ids"`
	MaxRedemptions     int64      `json:"max_redemptions" doc:"0: unlimited"`
	Redemptions        int64      `json:"redemptions"`
	ExpiresAt          *time.Time `json:"expires_at,omitempty"`
	TrialExtensionDays int        `json:"trial_extension_days"`
	GranterID          int64      `json:"granter_id" doc:"the organization that grants the coupon and bears its discount in the split"`
	GranterKind        string     `json:"granter_kind" enum:"platform,vendor,distributor,reseller"`
	Active             bool       `json:"active"`
	CreatedAt          time.Time  `json:"created_at"`
}

func couponOf(c coupon.Coupon) Coupon {
	out := Coupon{ID: c.ID, Code: c.Code, Kind: c.Kind, Value: c.Value.String(), Currency: c.Currency, Duration: c.Duration, Periods: c.Periods,
		ProductIDs: c.ProductIDs, PlanIDs: c.PlanIDs, MaxRedemptions: c.MaxRedemptions, Redemptions: c.Redemptions,
		TrialExtensionDays: c.TrialExtensionDays, GranterID: c.GranterID, GranterKind: string(c.GranterKind), Active: c.Active, CreatedAt: c.CreatedAt}
	if out.ProductIDs == nil {
		out.ProductIDs = []int64{}
	}
	if out.PlanIDs == nil {
		out.PlanIDs = []int64{}
	}
	if !c.ExpiresAt.IsZero() {
		t := c.ExpiresAt
		out.ExpiresAt = &t
	}
	return out
}

// CouponCreate is the body of POST /api/v1/coupons.
type CouponCreate struct {
	Code               string          `json:"code" minLength:"3" maxLength:"32" doc:"letters, digits, '-' and '_'; case-insensitive, unique in the marketplace"`
	Kind               string          `json:"kind" enum:"percent,amount"`
	Value              decimal.Decimal `json:"value" doc:"percent off (more than 0, at most 100) or the amount off each period (more than 0, at most 1000000), a decimal string"`
	Currency           string          `json:"currency,omitempty" doc:"ISO 4217; required for an amount, absent for a percentage"`
	Duration           string          `json:"duration" enum:"once,repeating,forever"`
	Periods            int             `json:"periods,omitempty" minimum:"0" maximum:"120" doc:"repeating: the periods discounted, 1 to 120"`
	ProductIDs         []int64         `json:"product_ids,omitempty" maxItems:"100" doc:"limit to these products (a vendor: its own)"`
	PlanIDs            []int64         `json:"plan_ids,omitempty" maxItems:"100" doc:"limit to these plans"`
	MaxRedemptions     int64           `json:"max_redemptions,omitempty" minimum:"0" maximum:"1000000" doc:"0: unlimited"`
	ExpiresAt          *time.Time      `json:"expires_at,omitempty" doc:"redeemable before this instant"`
	TrialExtensionDays int             `json:"trial_extension_days,omitempty" minimum:"0" maximum:"365" doc:"days added to the plan's free trial"`
}

func (s *Server) registerCoupons() {
	tags := []string{"Coupons"}
	register(s, huma.Operation{OperationID: "create-coupon", Description: "Creates a coupon the caller's organization grants and bears in the split: the platform on anything, a vendor on its own products only, a distributor or reseller on sales through its own channel. Percent or amount off the recurring price for one period, N periods or forever, optionally limited to products and plans, to a number of redemptions and to a date, optionally extending the plan's trial. Bad values are refused with 422 naming the field, and nothing is written.", Method: http.MethodPost, Path: "/api/v1/coupons", Summary: "Create a coupon", Tags: tags, DefaultStatus: http.StatusCreated},
		func(ctx context.Context, in *struct{ Body CouponCreate }) (*Output[Coupon], error) {
			b := in.Body
			c := coupon.Coupon{Code: b.Code, Kind: b.Kind, Value: b.Value, Currency: b.Currency, Duration: b.Duration, Periods: b.Periods,
				ProductIDs: b.ProductIDs, PlanIDs: b.PlanIDs, MaxRedemptions: b.MaxRedemptions, TrialExtensionDays: b.TrialExtensionDays}
			if b.ExpiresAt != nil {
				c.ExpiresAt = b.ExpiresAt.UTC()
			}
			c, err := s.services.Coupons.Create(ctx, principal(ctx), c)
			if err != nil {
				return nil, err
			}
			return out(couponOf(c)), nil
		})
	register(s, huma.Operation{OperationID: "list-coupons", Description: "Lists the coupons the caller's organization granted (the platform: every coupon), one page at a time, with their redemption counts. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/coupons", Summary: "List your coupons", Tags: tags},
		func(ctx context.Context, in *struct{ ListInput }) (*ListOutput[Coupon], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]coupon.Coupon, int64, error) {
				return s.services.Coupons.List(ctx, principal(ctx), p)
			}, couponOf)
		})
	register(s, huma.Operation{OperationID: "get-coupon", Description: "Returns one coupon the caller's organization granted (the platform: any). Changes nothing.", Method: http.MethodGet, Path: "/api/v1/coupons/{id}", Summary: "Get a coupon", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Coupon], error) {
			c, err := s.services.Coupons.Get(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(couponOf(c)), nil
		})
	register(s, huma.Operation{OperationID: "deactivate-coupon", Description: "Deactivates a coupon: it is redeemed no more, and the subscriptions sold with it keep their discount for its duration. The granter or the platform.", Method: http.MethodPost, Path: "/api/v1/coupons/{id}/deactivate", Summary: "Deactivate a coupon", Tags: tags, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *IDInput) (*Output[Coupon], error) {
			c, err := s.services.Coupons.Deactivate(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(couponOf(c)), nil
		})
}
