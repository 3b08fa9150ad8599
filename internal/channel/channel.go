// Package channel holds the use cases of the sales channel's money: the
// price lists in which distributors and resellers mark plans up, every
// party's earnings statement, and the operator's exchange-rate table. Its rules: only distributors and resellers
// keep price lists, each changes its own (the platform changes any), a
// markup is on a plan the organization sees, fits the plan's model and
// prices neither below what the organization buys at nor beyond bounds,
// refused when it is set rather than met at billing time; a party reads
// its own earnings, the platform anyone's. What a valid markup is belongs
// to pricing.PriceListEntry.ValidateFor; visibility to the store's
// queries.
package channel

import (
	"context"
	"fmt"
	"strconv"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Reads are what the service reads outside a transaction.
type Reads interface {
	// PriceList returns the markups of an organization visible to p.
	PriceList(ctx context.Context, p mercato.Principal, orgID int64) ([]pricing.PriceListEntry, error)
	// Earnings returns an organization's statements of a period, one
	// per currency (the platform's fees for the platform).
	Earnings(ctx context.Context, orgID int64, period string) ([]billing.Statement, error)
	// EarningsTotals returns an organization's earnings (the platform's
	// fees for the platform) of the periods from..to (YYYY-MM, both
	// included), one total per period and currency.
	EarningsTotals(ctx context.Context, orgID int64, from, to string) ([]PeriodTotal, error)
	// ExchangeRates lists the exchange-rate table (base and quote, when
	// not empty, select a pair's currencies), by pair and newest first.
	ExchangeRates(ctx context.Context, base, quote string) ([]pricing.ExchangeRate, error)
	// FeeRules lists the operator's fee rules, a vendor's own among them.
	FeeRules(ctx context.Context) ([]catalog.FeeRule, error)
	// Organization returns an organization visible to p.
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	// Curation returns a reseller's curation (All when it has none).
	Curation(ctx context.Context, resellerID int64) (catalog.Curation, error)
}

// Tx is what the service does inside one transaction.
type Tx interface {
	// Organization returns an organization visible to p.
	Organization(ctx context.Context, p mercato.Principal, id int64) (mercato.Organization, error)
	// Plan returns a live plan whose product p sees, with its product.
	Plan(ctx context.Context, p mercato.Principal, id int64) (catalog.Plan, catalog.Product, error)
	// ChannelPrices reads the parties of the channel above a reseller
	// (resellerID) with their entries for a plan: the distributor's is
	// the price the reseller buys at.
	ChannelPrices(ctx context.Context, planID, vendorID, resellerID, customerID int64) (pricing.ChannelPrices, error)
	// Product returns a product visible to p.
	Product(ctx context.Context, p mercato.Principal, id int64) (catalog.Product, error)
	// CurationFor returns the curation that applies to a sale through a
	// reseller, or (resellerID 0) to the customer customerID.
	CurationFor(ctx context.Context, resellerID, customerID int64) (catalog.Curation, error)
	// PutCuration replaces a reseller's curation (All removes it).
	PutCuration(ctx context.Context, c catalog.Curation) error
	PutPrice(ctx context.Context, e pricing.PriceListEntry) error
	// DeletePrice reports whether there was a markup to delete.
	DeletePrice(ctx context.Context, orgID, planID int64) (bool, error)
	Audit(ctx context.Context, p mercato.Principal, action, entity string, id int64, details map[string]any) error
	// PutExchangeRate sets a pair's rate from a day (replacing the one
	// set for that day).
	PutExchangeRate(ctx context.Context, r pricing.ExchangeRate) error
	// PutFeeRule sets the fee rule of r's scope, replacing its rule.
	PutFeeRule(ctx context.Context, r catalog.FeeRule) error
	// DeleteFeeRule reports whether the scope had a rule to delete.
	DeleteFeeRule(ctx context.Context, vendorID int64, productType catalog.ProductType) (bool, error)
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service runs the channel's use cases.
type Service struct {
	reads Reads
	inTx  InTx
}

// New returns the service over its repositories.
func New(reads Reads, inTx InTx) *Service { return &Service{reads: reads, inTx: inTx} }

// PriceList returns the markups of an organization p sees.
func (s *Service) PriceList(ctx context.Context, p mercato.Principal, orgID int64) ([]pricing.PriceListEntry, error) {
	return s.reads.PriceList(ctx, p, orgID)
}

// keepsPriceList refuses a markup for org unless org is a distributor or
// a reseller: nobody else sells at a price of its own.
func keepsPriceList(org mercato.Organization) error {
	if org.Kind != mercato.KindDistributor && org.Kind != mercato.KindReseller {
		return mercato.Errorf(mercato.EINVALID, "only distributors and resellers keep price lists")
	}
	return nil
}

// mayChangePriceList refuses p's change of org's price list unless p is
// org itself or the platform.
func mayChangePriceList(p mercato.Principal, org mercato.Organization) error {
	if !p.IsPlatform() && p.OrgID != org.ID {
		return mercato.Errorf(mercato.EFORBIDDEN, "you may only change your own price list")
	}
	return nil
}

// SetPrice sets an organization's markup on a plan: a distributor or
// reseller sets its own, the platform anyone's. The markup is validated
// before anything is read, then against the plan and the price the
// organization buys it at (pricing.PriceListEntry.ValidateFor).
func (s *Service) SetPrice(ctx context.Context, p mercato.Principal, e pricing.PriceListEntry) (pricing.PriceListEntry, error) {
	if err := e.Validate(); err != nil {
		return e, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		org, err := tx.Organization(ctx, p, e.OrganizationID)
		if err != nil {
			return err
		}
		if err := keepsPriceList(org); err != nil {
			return err
		}
		if err := mayChangePriceList(p, org); err != nil {
			return err
		}
		plan, product, err := tx.Plan(ctx, p, e.PlanID)
		if err != nil {
			return err
		}
		// A reseller marks up only what its distributor lets it sell
		// (refused, naming plan_id); an entry set before the plan left its
		// catalog stays and still prices the renewals of what it sold.
		if org.Kind == mercato.KindReseller {
			cur, err := tx.CurationFor(ctx, org.ID, 0)
			if err != nil {
				return err
			}
			if !cur.Sells(plan) {
				return catalog.NotSold(plan.ID)
			}
		}
		beneath, err := boughtAt(ctx, tx, org, plan, product)
		if err != nil {
			return err
		}
		if err := e.ValidateFor(plan.Pricing, beneath); err != nil {
			return err
		}
		if err := tx.PutPrice(ctx, e); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "price.set", "plan", e.PlanID, map[string]any{"organization_id": e.OrganizationID, "kind": e.Markup.Kind, "value": e.Markup.Value.String()})
	})
	if err != nil {
		return e, fmt.Errorf("set price: %w", err)
	}
	return e, nil
}

// boughtAt returns the markups of the levels beneath org on a plan: its
// distributor's for a reseller of one, none for a distributor or a
// reseller of the platform, which buy at the vendor's price.
func boughtAt(ctx context.Context, tx Tx, org mercato.Organization, plan catalog.Plan, product catalog.Product) ([]pricing.Markup, error) {
	if org.Kind != mercato.KindReseller {
		return nil, nil
	}
	c, err := tx.ChannelPrices(ctx, plan.ID, product.VendorID, org.ID, 0)
	if err != nil {
		return nil, err
	}
	if c.Distributor == nil || c.Distributor.Markup == nil {
		return nil, nil
	}
	return []pricing.Markup{*c.Distributor.Markup}, nil
}

// DeletePrice removes an organization's markup on a plan, so that the plan
// sells at the price the organization buys at; the organization itself or
// the platform may. A plan without a markup is not found.
func (s *Service) DeletePrice(ctx context.Context, p mercato.Principal, orgID, planID int64) error {
	err := s.inTx(ctx, func(tx Tx) error {
		org, err := tx.Organization(ctx, p, orgID)
		if err != nil {
			return err
		}
		if err := mayChangePriceList(p, org); err != nil {
			return err
		}
		found, err := tx.DeletePrice(ctx, orgID, planID)
		if err != nil {
			return err
		}
		if !found {
			return mercato.NotFound("price of plan", strconv.FormatInt(planID, 10))
		}
		return tx.Audit(ctx, p, "price.delete", "plan", planID, map[string]any{"organization_id": orgID})
	})
	if err != nil {
		return fmt.Errorf("delete price: %w", err)
	}
	return nil
}

// ExchangeRates lists the operator's exchange-rate table, which every
// signed-in caller may read (the rates its charges were converted at are
// on them anyway): base and quote, when not empty, select a pair.
func (s *Service) ExchangeRates(ctx context.Context, p mercato.Principal, base, quote string) ([]pricing.ExchangeRate, error) {
	return s.reads.ExchangeRates(ctx, base, quote)
}

// SetExchangeRate sets the rate of a pair of currencies from a day: a
// plan priced in base is sold to a customer billed in quote at the rate
// valid on the day of the sale (see internal/charging). Only the platform
// sets rates; the rate is validated (known codes, 0 < rate <= MaxRate, a
// date) before anything is written. A rate set for a day already in the
// table replaces it; charges already written keep the rate they recorded.
func (s *Service) SetExchangeRate(ctx context.Context, p mercato.Principal, r pricing.ExchangeRate) (pricing.ExchangeRate, error) {
	if !p.IsPlatform() || !p.CanWrite() {
		return r, mercato.Errorf(mercato.EFORBIDDEN, "only the platform sets exchange rates")
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	r.ValidFrom = r.ValidFrom.UTC()
	err := s.inTx(ctx, func(tx Tx) error {
		if err := tx.PutExchangeRate(ctx, r); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "exchange_rate.set", "exchange_rate", 0, map[string]any{"base": r.Base, "quote": r.Quote,
			"rate": r.Rate.String(), "valid_from": r.ValidFrom.Format("2006-01-02")})
	})
	if err != nil {
		return r, fmt.Errorf("set exchange rate: %w", err)
	}
	return r, nil
}
