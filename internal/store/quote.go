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

// channelPrices reads, in one query, the operator's fee rules that match
// the plan's vendor and product type (the most specific wins:
// catalog.FeeRules) and the parties of the chain above a reseller (given,
// or the customer's) with their price lists' entries for a plan: the
// reseller and its distributor.
func (s *Store) channelPrices(ctx context.Context, db queryer, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error) {
	var (
		c                                pricing.ChannelPrices
		vendorFee                        string
		feeVT, feeT, feeD                sql.NullString
		rID, dID                         sql.NullInt64
		rKind                            sql.NullString
		rMarkup, rValue, dMarkup, dValue sql.NullString
	)
	err := db.QueryRowContext(ctx, `WITH pt AS (SELECT pr.type FROM plans pl JOIN products pr ON pr.id = pl.product_id WHERE pl.id = $4)
		SELECT v.fee_percent,
		(SELECT f.percent FROM fee_rules f WHERE f.vendor_id = v.id AND f.product_type = (SELECT type FROM pt)),
		(SELECT f.percent FROM fee_rules f WHERE f.vendor_id IS NULL AND f.product_type = (SELECT type FROM pt)),
		(SELECT f.percent FROM fee_rules f WHERE f.vendor_id IS NULL AND f.product_type = ''),
		r.id, r.kind, rp.kind, rp.value, d.id, dp.kind, dp.value
		FROM organizations v
		LEFT JOIN organizations r ON r.id = (CASE WHEN $2 > 0 THEN $2 ELSE (SELECT parent_id FROM organizations WHERE id = $3) END)
		LEFT JOIN price_list_entries rp ON rp.organization_id = r.id AND rp.plan_id = $4
		LEFT JOIN organizations d ON d.id = r.parent_id
		LEFT JOIN price_list_entries dp ON dp.organization_id = d.id AND dp.plan_id = $4
		WHERE v.id = $1`, vendorID, resellerID, customerID, planID).
		Scan(&vendorFee, &feeVT, &feeT, &feeD, &rID, &rKind, &rMarkup, &rValue, &dID, &dMarkup, &dValue)
	if err != nil {
		return c, fmt.Errorf("channel of plan %d: %w", planID, err)
	}
	var rules catalog.FeeRules
	for _, f := range []struct {
		text sql.NullString
		to   **decimal.Decimal
	}{{feeVT, &rules.VendorType}, {sql.NullString{String: vendorFee, Valid: vendorFee != ""}, &rules.Vendor}, {feeT, &rules.Type}, {feeD, &rules.Default}} {
		if !f.text.Valid {
			continue
		}
		d, err := decimal.NewFromString(f.text.String)
		if err != nil {
			return c, fmt.Errorf("fee of vendor %d, plan %d: %q: %w", vendorID, planID, f.text.String, err)
		}
		*f.to = &d
	}
	c.FeePercent = rules.Percent()
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
