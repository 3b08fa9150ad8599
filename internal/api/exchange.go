package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// ExchangeRate is one entry of the operator's exchange-rate table.
type ExchangeRate struct {
	Base      string `json:"base" doc:"ISO 4217 code converted from (a plan's currency)"`
	Quote     string `json:"quote" doc:"ISO 4217 code converted to (a customer's currency)"`
	Rate      string `json:"rate" doc:"Units of quote for one unit of base, a decimal string"`
	ValidFrom string `json:"valid_from" format:"date" doc:"First day (UTC) the rate holds; it holds until the pair's next rate"`
}

func exchangeRateOf(r pricing.ExchangeRate) ExchangeRate {
	return ExchangeRate{Base: r.Base, Quote: r.Quote, Rate: r.Rate.String(), ValidFrom: r.ValidFrom.UTC().Format(time.DateOnly)}
}

// ExchangeRateSet is the body of POST /api/v1/exchange-rates.
type ExchangeRateSet struct {
	Base      string          `json:"base" minLength:"3" maxLength:"3" doc:"ISO 4217 code converted from (a plan's currency)"`
	Quote     string          `json:"quote" minLength:"3" maxLength:"3" doc:"ISO 4217 code converted to (a customer's currency)"`
	Rate      decimal.Decimal `json:"rate" doc:"Units of quote for one unit of base: greater than 0, at most 1000000, up to 10 decimals"`
	ValidFrom string          `json:"valid_from" format:"date" doc:"First day (UTC) the rate holds, e.g. 2026-03-01"`
}

func (s *Server) registerExchangeRates() {
	tags := []string{"Exchange rates"}
	register(s, huma.Operation{OperationID: "list-exchange-rates", Description: "Returns the operator's exchange-rate table, by pair and newest first; base and quote select a pair's currencies. A plan priced in another currency than its customer's is sold at the rate of the pair valid on the day of the sale (or the inverse of the opposite pair's). Any signed-in caller may read it. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/exchange-rates", Summary: "The exchange-rate table", Tags: tags},
		func(ctx context.Context, in *struct {
			Base  string `query:"base" maxLength:"3" doc:"Only rates from this currency"`
			Quote string `query:"quote" maxLength:"3" doc:"Only rates to this currency"`
		}) (*ListOutput[ExchangeRate], error) {
			items, err := s.services.Channel.ExchangeRates(ctx, principal(ctx), in.Base, in.Quote)
			if err != nil {
				return nil, err
			}
			return listOf(items, 0, exchangeRateOf), nil
		})
	register(s, huma.Operation{OperationID: "set-exchange-rate", Description: "Sets the rate of a pair of currencies from a day (replacing the rate set for that same day): orders, changes, trials converted and renewals of customers billed in quote, of plans priced in base, are converted at the rate valid on their day, and each charge records the rate and its date. Charges already written keep theirs. Known ISO 4217 codes, a rate greater than 0 and at most 1000000; anything else is refused with 422 naming the field and nothing is written. Only the platform sets rates.", Method: http.MethodPost, Path: "/api/v1/exchange-rates", Summary: "Set an exchange rate from a day", Tags: tags, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct{ Body ExchangeRateSet }) (*Output[ExchangeRate], error) {
			day, err := time.Parse(time.DateOnly, in.Body.ValidFrom)
			if err != nil {
				return nil, mercato.Invalid("invalid exchange rate", mercato.FieldError{Path: "valid_from", Message: "must be a date (YYYY-MM-DD)", Value: in.Body.ValidFrom})
			}
			r, err := s.services.Channel.SetExchangeRate(ctx, principal(ctx), pricing.ExchangeRate{Base: in.Body.Base, Quote: in.Body.Quote, Rate: in.Body.Rate, ValidFrom: day})
			if err != nil {
				return nil, err
			}
			return out(exchangeRateOf(r)), nil
		})
}
