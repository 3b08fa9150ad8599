package ordering

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/charging"
	"github.com/mercato-market/mercato/internal/coupon"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// QuoteRequest asks for the price of a plan through the channel.
type QuoteRequest struct {
	PlanID     int64
	Quantity   int64
	ResellerID int64 // price through this reseller's price list (and its distributor's)
	CustomerID int64 // or through the reseller this customer belongs to
	Usage      map[string]decimal.Decimal
	Coupon     string // a coupon code to apply ("": none)
	// Recurring prices one period as a renewal bills it: without the
	// setup fee, which a first order pays once.
	Recurring bool
}

// Validate checks a quote's bounds; the plan's own quantity limits are
// checked when it is priced.
func (r QuoteRequest) Validate() error {
	var fe mercato.FieldErrors
	if r.Quantity > subscription.MaxQuantity {
		fe.Add("quantity", "must be at most %d", subscription.MaxQuantity)
	}
	return fe.Err("invalid quote")
}

// Quote prices a plan for p, through the channel: the vendor's list price,
// the distributor's markup, then the reseller's, with each party's share.
func (s *Service) Quote(ctx context.Context, p mercato.Principal, r QuoteRequest) (pricing.Quote, error) {
	r.Coupon = coupon.Normalize(r.Coupon)
	if err := r.Validate(); err != nil {
		return pricing.Quote{}, err
	}
	if err := checkCode(r.Coupon, "invalid quote"); err != nil {
		return pricing.Quote{}, err
	}
	plan, prod, err := s.read.Plan(ctx, p, r.PlanID)
	if err != nil {
		return pricing.Quote{}, err
	}
	q, _, _, err := quote(ctx, s.read, p, plan, prod, r, s.read.Clock())
	return q, err
}

// checkCode refuses a coupon code of the wrong shape before anything is
// read.
func checkCode(code, message string) error {
	if code == "" {
		return nil
	}
	if msg := coupon.ValidateCode(code); msg != "" {
		return mercato.Invalid(message, mercato.FieldError{Path: "coupon", Message: msg, Value: code})
	}
	return nil
}

// notApplicable refuses a coupon at checkout, naming the field.
func notApplicable(code, why string) error {
	return mercato.Invalid("invalid coupon", mercato.FieldError{Path: "coupon", Message: why, Value: code})
}

// withCoupon applies the coupon of r.Coupon to a quote of a plan through
// channel at now: its discount line after the lines, the total and the
// granter's share lowered by it. It returns the coupon (nil: none asked).
func withCoupon(ctx context.Context, db Reader, r QuoteRequest, plan catalog.Plan, prod catalog.Product, channel []pricing.ChannelMarkup, q *pricing.Quote, now time.Time) (*coupon.Coupon, error) {
	if r.Coupon == "" {
		return nil, nil
	}
	c, err := db.CouponByCode(ctx, r.Coupon)
	if mercato.ErrorCode(err) == mercato.ENOTFOUND {
		return nil, notApplicable(r.Coupon, "no such coupon")
	}
	if err != nil {
		return nil, err
	}
	if err := c.Check(coupon.Sale{ProductID: prod.ID, PlanID: plan.ID, VendorID: prod.VendorID, Currency: q.Currency, Channel: channel}, now); err != nil {
		return nil, err
	}
	line, shares, ok, err := c.Terms().Discount(q.Lines, q.Shares, q.Currency)
	if err != nil {
		return nil, notApplicable(r.Coupon, "this coupon does not apply to this purchase")
	}
	if ok {
		q.Lines, q.Shares = append(q.Lines, line), shares
		q.Total = pricing.Total(q.Lines)
	}
	q.Coupon = c.Code
	return &c, nil
}

// quote prices a plan through the channel of the reseller asked for, or of
// the customer's reseller (the caller's own when a customer asks), and
// returns the channel's prices it read with the quote, and the coupon of
// r.Coupon applied to it (nil: none). Priced for a customer, the quote is
// in the customer's currency, converted at the rate valid at now; no rate
// is an invalid request naming currency.
func quote(ctx context.Context, db Reader, p mercato.Principal, plan catalog.Plan, prod catalog.Product, r QuoteRequest, now time.Time) (pricing.Quote, pricing.ChannelPrices, *coupon.Coupon, error) {
	if r.ResellerID != 0 {
		if _, err := db.Organization(ctx, p, r.ResellerID); err != nil {
			return pricing.Quote{}, pricing.ChannelPrices{}, nil, mercato.Invalid("invalid quote", mercato.FieldError{Path: "reseller_id", Message: "no such reseller", Value: r.ResellerID})
		}
	}
	// A customer is priced through its own channel: one the caller cannot
	// see is refused as if it did not exist, so that a quote never tells
	// another tenant's distributor, reseller or markups.
	if r.CustomerID != 0 && r.CustomerID != p.OrgID {
		if _, err := db.Organization(ctx, p, r.CustomerID); err != nil {
			return pricing.Quote{}, pricing.ChannelPrices{}, nil, mercato.Invalid("invalid quote", mercato.FieldError{Path: "customer_id", Message: "no such customer", Value: r.CustomerID})
		}
	}
	if r.ResellerID == 0 && r.CustomerID == 0 && p.OrgKind == mercato.KindCustomer {
		r.CustomerID = p.OrgID
	}
	// What a distributor does not let the reseller sell is not sold, to
	// the reseller's customers or by the reseller, whoever asks
	// (catalog.Curation); renewals do not come here.
	if r.ResellerID == 0 && r.CustomerID == 0 && p.OrgKind == mercato.KindReseller {
		// A reseller's own quote of a plan, priced directly: only of a plan
		// it sells.
		cur, err := db.CurationFor(ctx, p.OrgID, 0)
		if err != nil {
			return pricing.Quote{}, pricing.ChannelPrices{}, nil, err
		}
		if !cur.Sells(plan) {
			return pricing.Quote{}, pricing.ChannelPrices{}, nil, catalog.NotSold(plan.ID)
		}
	}
	prices, err := db.ChannelPrices(ctx, plan.ID, prod.VendorID, r.ResellerID, r.CustomerID)
	if err != nil {
		return pricing.Quote{}, prices, nil, err
	}
	if prices.NotSold {
		return pricing.Quote{}, prices, nil, catalog.NotSold(plan.ID)
	}
	channel, err := prices.Markups(r.ResellerID)
	if err != nil {
		return pricing.Quote{}, prices, nil, err
	}
	// Priced for a customer, the quote is in the customer's currency: the
	// plan's explicit price in it, or its own converted at the rate valid
	// at now (no rate: an invalid request naming currency); a coupon then
	// applies in that currency (an amount coupon must be in it).
	priced := plan.Pricing
	var rate *pricing.ExchangeRate
	if r.CustomerID != 0 {
		if priced, rate, err = charging.Priced(ctx, db, priced, r.CustomerID, now); err != nil {
			return pricing.Quote{}, prices, nil, err
		}
	}
	q, err := priced.Quote(pricing.QuoteRequest{
		Quantity:           r.Quantity,
		Usage:              r.Usage,
		IncludeSetup:       !r.Recurring,
		Channel:            channel,
		VendorID:           prod.VendorID,
		PlatformFeePercent: prices.FeePercent,
	})
	if err != nil {
		return q, prices, nil, mercato.Prefixed(err, "")
	}
	if rate != nil {
		q = rate.Convert(q)
	}
	c, err := withCoupon(ctx, db, r, plan, prod, channel, &q, now)
	if err != nil {
		return q, prices, nil, err
	}
	return q, prices, c, nil
}
