package ordering

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/charging"
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
	if err := r.Validate(); err != nil {
		return pricing.Quote{}, err
	}
	plan, prod, err := s.read.Plan(ctx, p, r.PlanID)
	if err != nil {
		return pricing.Quote{}, err
	}
	q, _, err := quote(ctx, s.read, p, plan, prod, r, s.read.CurrentTime())
	return q, err
}

// quote prices a plan through the channel of the reseller asked for, or of
// the customer's reseller (the caller's own when a customer asks), and
// returns the channel's prices it read with the quote. Priced for a
// customer, the quote is in the customer's currency, converted at the rate
// valid at the instant at; no rate is an invalid request naming currency.
func quote(ctx context.Context, db Reader, p mercato.Principal, plan catalog.Plan, prod catalog.Product, r QuoteRequest, at time.Time) (pricing.Quote, pricing.ChannelPrices, error) {
	if r.ResellerID != 0 {
		if _, err := db.Organization(ctx, p, r.ResellerID); err != nil {
			return pricing.Quote{}, pricing.ChannelPrices{}, mercato.Invalid("invalid quote", mercato.FieldError{Path: "reseller_id", Message: "no such reseller", Value: r.ResellerID})
		}
	}
	// A customer is priced through its own channel: one the caller cannot
	// see is refused as if it did not exist, so that a quote never tells
	// another tenant's distributor, reseller or markups.
	if r.CustomerID != 0 && r.CustomerID != p.OrgID {
		if _, err := db.Organization(ctx, p, r.CustomerID); err != nil {
			return pricing.Quote{}, pricing.ChannelPrices{}, mercato.Invalid("invalid quote", mercato.FieldError{Path: "customer_id", Message: "no such customer", Value: r.CustomerID})
		}
	}
	if r.ResellerID == 0 && r.CustomerID == 0 && p.OrgKind == mercato.KindCustomer {
		r.CustomerID = p.OrgID
	}
	prices, err := db.ChannelPrices(ctx, plan.ID, prod.VendorID, r.ResellerID, r.CustomerID)
	if err != nil {
		return pricing.Quote{}, prices, err
	}
	channel, err := prices.Markups(r.ResellerID)
	if err != nil {
		return pricing.Quote{}, prices, err
	}
	q, err := plan.Pricing.Quote(pricing.QuoteRequest{
		Quantity:           r.Quantity,
		Usage:              r.Usage,
		IncludeSetup:       true,
		Channel:            channel,
		VendorID:           prod.VendorID,
		PlatformFeePercent: prices.FeePercent,
	})
	if err != nil {
		return q, prices, mercato.Prefixed(err, "")
	}
	if r.CustomerID != 0 {
		rate, err := charging.Rate(ctx, db, r.CustomerID, plan.Pricing.Currency, at)
		if err != nil {
			return pricing.Quote{}, prices, err
		}
		if rate != nil {
			q = rate.Convert(q)
		}
	}
	return q, prices, nil
}
