package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// QuoteRequest asks for the price of a customer's plan, for the billing
// run's renewals and the renewal call-to-action (see quote).
type QuoteRequest struct {
	PlanID     int64
	Quantity   int64
	CustomerID int64 // priced through the reseller this customer belongs to
	Renewal    bool  // a later period: no setup fee
}

// quote prices a customer's plan through its channel for billing.go and
// billing_dunning.go, until they move to their service; orders, quotes and
// changes price in internal/ordering, manual renewals in internal/lifecycle.
func (s *Store) quote(ctx context.Context, db queryer, _ mercato.Principal, plan catalog.Plan, prod catalog.Product, r QuoteRequest) (pricing.Quote, error) {
	fee, channel, err := s.channel(ctx, db, plan.ID, prod.VendorID, 0, r.CustomerID)
	if err != nil {
		return pricing.Quote{}, err
	}
	q, err := plan.Pricing.Quote(pricing.QuoteRequest{
		Quantity:           r.Quantity,
		IncludeSetup:       !r.Renewal,
		Channel:            channel,
		VendorID:           prod.VendorID,
		PlatformFeePercent: fee,
	})
	if err != nil {
		return q, mercato.Prefixed(err, "")
	}
	return q, nil
}

// channel is the markups of channelPrices, for the billing run and the
// renewal call-to-action (see quote).
func (s *Store) channel(ctx context.Context, db queryer, planID, vendorID, resellerID, customerID int64) (decimal.Decimal, []pricing.ChannelMarkup, error) {
	c, err := s.channelPrices(ctx, db, planID, vendorID, resellerID, customerID)
	if err != nil {
		return decimal.Zero, nil, err
	}
	markups, err := c.Markups(resellerID)
	return c.FeePercent, markups, err
}

// channelPrices reads, in one query, the vendor's fee and the parties of
// the chain above a reseller (given, or the customer's) with their price
// lists' entries for a plan: the reseller and its distributor.
func (s *Store) channelPrices(ctx context.Context, db queryer, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error) {
	var (
		c                                pricing.ChannelPrices
		feeText                          string
		rID, dID                         sql.NullInt64
		rKind                            sql.NullString
		rMarkup, rValue, dMarkup, dValue sql.NullString
	)
	err := db.QueryRowContext(ctx, `SELECT v.fee_percent, r.id, r.kind, rp.kind, rp.value, d.id, dp.kind, dp.value
		FROM organizations v
		LEFT JOIN organizations r ON r.id = (CASE WHEN $2 > 0 THEN $2 ELSE (SELECT parent_id FROM organizations WHERE id = $3) END)
		LEFT JOIN price_list_entries rp ON rp.organization_id = r.id AND rp.plan_id = $4
		LEFT JOIN organizations d ON d.id = r.parent_id
		LEFT JOIN price_list_entries dp ON dp.organization_id = d.id AND dp.plan_id = $4
		WHERE v.id = $1`, vendorID, resellerID, customerID, planID).
		Scan(&feeText, &rID, &rKind, &rMarkup, &rValue, &dID, &dMarkup, &dValue)
	if err != nil {
		return c, fmt.Errorf("channel of plan %d: %w", planID, err)
	}
	if c.FeePercent, err = decimal.NewFromString(feeText); err != nil {
		return c, fmt.Errorf("vendor %d fee %q: %w", vendorID, feeText, err)
	}
	party := func(id sql.NullInt64, kind mercato.OrgKind, markup, value sql.NullString) (*pricing.ChannelParty, error) {
		if !id.Valid {
			return nil, nil
		}
		p := &pricing.ChannelParty{OrganizationID: id.Int64, Kind: kind}
		if markup.Valid {
			v, err := decimal.NewFromString(value.String)
			if err != nil {
				return nil, fmt.Errorf("price of plan %d for %d: %w", planID, id.Int64, err)
			}
			p.Markup = &pricing.Markup{Kind: markup.String, Value: v}
		}
		return p, nil
	}
	if c.Reseller, err = party(rID, mercato.OrgKind(rKind.String), rMarkup, rValue); err != nil || c.Reseller == nil {
		return c, err
	}
	c.Distributor, err = party(dID, mercato.KindDistributor, dMarkup, dValue)
	return c, err
}
