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

// QuoteRequest asks for the price of a plan.
type QuoteRequest struct {
	PlanID     int64
	Quantity   int64
	ResellerID int64 // price through this reseller's price list (and its distributor's)
	CustomerID int64 // or through the reseller this customer belongs to
	Usage      map[string]decimal.Decimal
	Renewal    bool // a later period: no setup fee
}

// Quote prices a plan for p, through the channel: the vendor's list price,
// the distributor's markup, then the reseller's, with each party's share.
func (s *Store) Quote(ctx context.Context, p mercato.Principal, r QuoteRequest) (pricing.Quote, error) {
	plan, prod, err := s.plan(ctx, s.db, p, r.PlanID)
	if err != nil {
		return pricing.Quote{}, err
	}
	return s.quote(ctx, s.db, p, plan, prod, r)
}

func (s *Store) quote(ctx context.Context, db queryer, p mercato.Principal, plan catalog.Plan, prod catalog.Product, r QuoteRequest) (pricing.Quote, error) {
	resellerID := r.ResellerID
	if resellerID == 0 {
		customerID := r.CustomerID
		if customerID == 0 && p.OrgKind == mercato.KindCustomer {
			customerID = p.OrgID
		}
		if customerID != 0 {
			c, err := s.orgByID(ctx, db, customerID)
			if err != nil {
				return pricing.Quote{}, err
			}
			if c.ParentID != nil {
				resellerID = *c.ParentID
			}
		}
	} else if _, err := s.organization(ctx, db, p, resellerID); err != nil {
		return pricing.Quote{}, mercato.Invalid("invalid quote", mercato.FieldError{Path: "reseller_id", Message: "no such reseller", Value: resellerID})
	}
	channel, err := s.channel(ctx, db, plan.ID, resellerID)
	if err != nil {
		return pricing.Quote{}, err
	}
	vendor, err := s.orgByID(ctx, db, prod.VendorID)
	if err != nil {
		return pricing.Quote{}, err
	}
	fee, err := decimal.NewFromString(vendor.FeePercent)
	if err != nil {
		return pricing.Quote{}, fmt.Errorf("vendor %d fee %q: %w", vendor.ID, vendor.FeePercent, err)
	}
	q, err := plan.Pricing.Quote(pricing.QuoteRequest{
		Quantity:           r.Quantity,
		Usage:              r.Usage,
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

// channel returns the markups on a plan along the chain above a reseller:
// its distributor's first, then its own. A reseller without a price for the
// plan sells at the price it buys at.
func (s *Store) channel(ctx context.Context, db queryer, planID, resellerID int64) ([]pricing.ChannelMarkup, error) {
	if resellerID == 0 {
		return nil, nil
	}
	reseller, err := s.orgByID(ctx, db, resellerID)
	if err != nil {
		return nil, err
	}
	if reseller.Kind != mercato.KindReseller {
		return nil, mercato.Invalid("invalid quote", mercato.FieldError{Path: "reseller_id", Message: "is not a reseller", Value: resellerID})
	}
	var chain []mercato.Organization
	if reseller.ParentID != nil {
		dist, err := s.orgByID(ctx, db, *reseller.ParentID)
		if err != nil {
			return nil, err
		}
		chain = append(chain, dist)
	}
	chain = append(chain, reseller)
	var out []pricing.ChannelMarkup
	for _, org := range chain {
		m := pricing.Markup{Kind: "percentage", Value: decimal.Zero}
		err := db.QueryRowContext(ctx, `SELECT kind, value FROM price_list_entries WHERE organization_id = $1 AND plan_id = $2`, org.ID, planID).
			Scan(&m.Kind, &m.Value)
		if err != nil && err != sql.ErrNoRows {
			return nil, fmt.Errorf("price list of %d: %w", org.ID, err)
		}
		out = append(out, pricing.ChannelMarkup{Role: string(org.Kind), OrganizationID: org.ID, Markup: m})
	}
	return out, nil
}
