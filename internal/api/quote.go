package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/pricing"
)

// money formats an amount with its currency's minor units ("63.00").
func money(d decimal.Decimal, currency string) string {
	places, ok := pricing.MinorUnits(currency)
	if !ok {
		return d.String()
	}
	return d.StringFixed(places)
}

// unitMoney formats a unit price: at least the currency's minor units, more
// when the price has them (0.0125 per call).
func unitMoney(d decimal.Decimal, currency string) string {
	places, ok := pricing.MinorUnits(currency)
	if !ok || -d.Exponent() > places {
		return d.String()
	}
	return d.StringFixed(places)
}

// Line is one line of a quote or an order.
type Line struct {
	Description string `json:"description"`
	Kind        string `json:"kind" enum:"recurring,setup,usage,change,discount"`
	Quantity    string `json:"quantity"`
	UnitAmount  string `json:"unit_amount"`
	Amount      string `json:"amount"`
}

func linesOf(lines []pricing.Line, currency string) []Line {
	out := make([]Line, 0, len(lines))
	for _, l := range lines {
		out = append(out, Line{Description: l.Description, Kind: l.Kind, Quantity: l.Quantity.String(),
			UnitAmount: unitMoney(l.UnitAmount, currency), Amount: money(l.Amount, currency)})
	}
	return out
}

// Share is one party's part of a quote's total.
type Share struct {
	Role           string `json:"role" enum:"vendor,platform,distributor,reseller"`
	OrganizationID int64  `json:"organization_id,omitempty"`
	Amount         string `json:"amount"`
}

// Quote is the price of a plan for a quantity, with each party's share.
type Quote struct {
	Currency  string  `json:"currency"`
	Period    string  `json:"period"`
	TrialDays int     `json:"trial_days"`
	Total     string  `json:"total"`
	Lines     []Line  `json:"lines"`
	Shares    []Share `json:"shares"`
	Coupon    string  `json:"coupon,omitempty" doc:"the coupon code applied; its discount is a line of kind discount"`
}

func quoteOf(q pricing.Quote) Quote {
	out := Quote{Currency: q.Currency, Period: q.Period, TrialDays: q.TrialDays, Total: money(q.Total, q.Currency), Lines: linesOf(q.Lines, q.Currency), Shares: []Share{}, Coupon: q.Coupon}
	for _, sh := range q.Shares {
		out.Shares = append(out.Shares, Share{Role: sh.Role, OrganizationID: sh.OrganizationID, Amount: money(sh.Amount, q.Currency)})
	}
	return out
}

// QuoteRequest is the body of POST /api/v1/quotes.
type QuoteRequest struct {
	PlanID     int64                      `json:"plan_id" minimum:"1"`
	Quantity   int64                      `json:"quantity" minimum:"1" maximum:"1000000000"` // the schema shows subscription.MaxQuantity, which the services enforce
	ResellerID int64                      `json:"reseller_id,omitempty" minimum:"1" doc:"price through this reseller's price list"`
	CustomerID int64                      `json:"customer_id,omitempty" minimum:"1" doc:"price through this customer's reseller"`
	Usage      map[string]decimal.Decimal `json:"usage,omitempty" doc:"metric name to usage quantity, to price pay-per-use metrics"`
	Coupon     string                     `json:"coupon,omitempty" maxLength:"64" doc:"a coupon code to apply; one that is unknown, expired, used up or not applicable is refused with 422 naming coupon"`
}

func (s *Server) registerQuotes() {
	register(s, huma.Operation{OperationID: "create-quote", Description: "Prices a plan for a quantity through the caller's channel (or a given reseller's or customer's): lines after markups, the total, and each party's share, which add up to the total. Anyone who can see the plan may quote, viewers too; nothing is written.", Method: http.MethodPost, Path: "/api/v1/quotes", Summary: "Price a plan for a quantity", Tags: []string{"Orders"}, DefaultStatus: http.StatusOK,
		Metadata: map[string]any{onlyReads: true}}, // a quote prices, it changes nothing
		func(ctx context.Context, in *struct{ Body QuoteRequest }) (*Output[Quote], error) {
			b := in.Body
			q, err := s.services.Orders.Quote(ctx, principal(ctx), ordering.QuoteRequest{PlanID: b.PlanID, Quantity: b.Quantity, ResellerID: b.ResellerID, CustomerID: b.CustomerID, Usage: b.Usage, Coupon: b.Coupon})
			if err != nil {
				return nil, err
			}
			return out(quoteOf(q)), nil
		})
}

// PriceEntry is a distributor's or reseller's markup on a plan.
type PriceEntry struct {
	OrganizationID int64  `json:"organization_id"`
	PlanID         int64  `json:"plan_id"`
	Kind           string `json:"kind" enum:"percentage,fixed,value" doc:"percentage marks the price it buys at up; fixed sets the recurring price (flat and per-unit plans); value adds an amount to it"`
	Value          string `json:"value"`
}

func priceEntryOf(e pricing.PriceListEntry) PriceEntry {
	return PriceEntry{OrganizationID: e.OrganizationID, PlanID: e.PlanID, Kind: e.Markup.Kind, Value: e.Markup.Value.String()}
}

// PriceSet is the body of PUT /api/v1/organizations/{id}/prices/{plan_id}.
type PriceSet struct {
	Kind  string          `json:"kind" enum:"percentage,fixed,value"`
	Value decimal.Decimal `json:"value"`
}

func (s *Server) registerPrices() {
	tags := []string{"Price lists"}
	register(s, huma.Operation{OperationID: "list-prices", Description: "Returns the price list of a distributor or reseller: its markup on each plan it sells. Visible to whoever can see the organization. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/organizations/{id}/prices", Summary: "A distributor's or reseller's price list", Tags: tags},
		func(ctx context.Context, in *IDInput) (*ListOutput[PriceEntry], error) {
			items, err := s.services.Channel.PriceList(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return listOf(items, 0, priceEntryOf), nil
		})
	register(s, huma.Operation{OperationID: "set-price", Description: "Sets the caller's markup on a plan in its own price list: a percentage on the price it buys at, a fixed recurring price (flat and per-unit plans), or a value added to it. A markup that would price below what the organization buys at, or beyond bounds, is refused with 422 naming the field, and nothing is written. Only a distributor or reseller changes its own list; the platform changes any. Quotes and new orders of its customers use it from then on.", Method: http.MethodPut, Path: "/api/v1/organizations/{id}/prices/{plan_id}", Summary: "Mark a plan up in a price list", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			PlanID int64 `path:"plan_id" minimum:"1"`
			Body   PriceSet
		}) (*Output[PriceEntry], error) {
			e, err := s.services.Channel.SetPrice(ctx, principal(ctx), pricing.PriceListEntry{OrganizationID: in.ID, PlanID: in.PlanID, Markup: pricing.Markup{Kind: in.Body.Kind, Value: in.Body.Value}})
			if err != nil {
				return nil, err
			}
			return out(priceEntryOf(e)), nil
		})
	register(s, huma.Operation{OperationID: "delete-price", Description: "Removes a plan's markup from a price list, so the plan sells at the price the organization buys at. Only the organization itself (or the platform) changes its list.", Method: http.MethodDelete, Path: "/api/v1/organizations/{id}/prices/{plan_id}", Summary: "Remove a plan's markup from a price list", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *struct {
			IDInput
			PlanID int64 `path:"plan_id" minimum:"1"`
		}) (*NoContent, error) {
			return nil, s.services.Channel.DeletePrice(ctx, principal(ctx), in.ID, in.PlanID)
		})
}
