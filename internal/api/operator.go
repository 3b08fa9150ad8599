package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// OperatorSettings are the operator's identity as the seller of the
// platform's invoices and its payment terms.
type OperatorSettings struct {
	LegalName           string     `json:"legal_name" minLength:"1" maxLength:"200" example:"Mercato S.r.l."`
	Address             *Address   `json:"address,omitempty"`
	Country             string     `json:"country" pattern:"^[A-Z]{2}$" example:"IT" doc:"decides reverse charge"`
	VATID               string     `json:"vat_id,omitempty" maxLength:"32" doc:"an EU VAT id must have its country's format and check digit"`
	Email               string     `json:"email,omitempty" maxLength:"254"`
	PaymentTermsDays    int        `json:"payment_terms_days" minimum:"0" maximum:"365" doc:"days from issue to due date; 0: the dunning policy's"`
	PaymentInstructions string     `json:"payment_instructions,omitempty" maxLength:"1000" doc:"printed on invoices: bank, IBAN; may span lines"`
	UpdatedAt           *time.Time `json:"updated_at,omitempty" readOnly:"true" doc:"absent until first set"`
}

func operatorSettingsOf(s billing.Seller) OperatorSettings {
	out := OperatorSettings{LegalName: s.LegalName, Address: addressOf(s.Address), Country: s.Country, VATID: s.VATID, Email: s.Email,
		PaymentTermsDays: s.PaymentTermsDays, PaymentInstructions: s.PaymentInstructions}
	if !s.UpdatedAt.IsZero() {
		t := s.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

// TaxRate is a country's standard VAT rate from a day on.
type TaxRate struct {
	ID        int64     `json:"id" readOnly:"true"`
	Country   string    `json:"country" pattern:"^[A-Z]{2}$" example:"RO"`
	Rate      string    `json:"rate" pattern:"^[0-9]{1,2}(\\.[0-9]{1,2})?$" example:"21" doc:"percent"`
	ValidFrom string    `json:"valid_from" format:"date" example:"2025-08-01" doc:"the first day the rate applies (invoice date)"`
	CreatedAt time.Time `json:"created_at" readOnly:"true"`
}

func taxRateOf(r billing.TaxRate) TaxRate {
	return TaxRate{ID: r.ID, Country: r.Country, Rate: r.Rate.String(), ValidFrom: r.ValidFrom.Format(time.DateOnly), CreatedAt: r.CreatedAt}
}

// TaxRateCreate is the body of POST /api/v1/operator/tax-rates.
type TaxRateCreate struct {
	Country   string `json:"country" pattern:"^[A-Z]{2}$" example:"RO"`
	Rate      string `json:"rate" pattern:"^[0-9]{1,2}(\\.[0-9]{1,2})?$" example:"21" doc:"percent, below 100"`
	ValidFrom string `json:"valid_from" format:"date" example:"2025-08-01" doc:"the first day the rate applies (invoice date)"`
}

func (s *Server) registerOperator() {
	tags := []string{"Operator"}
	register(s, huma.Operation{OperationID: "get-operator-settings", Description: "Returns the operator's identity as the seller of the platform's invoices (legal name, address, VAT id) and its payment terms and instructions; empty until set. The platform only. Changes nothing.",
		Method: http.MethodGet, Path: "/api/v1/operator/settings", Summary: "Get the operator's seller identity and payment terms", Tags: tags, Errors: []int{http.StatusForbidden}},
		func(ctx context.Context, _ *struct{}) (*Output[OperatorSettings], error) {
			st, err := s.services.Billing.OperatorSettings(ctx, principal(ctx))
			if err != nil {
				return nil, err
			}
			return out(operatorSettingsOf(st)), nil
		})
	register(s, huma.Operation{OperationID: "put-operator-settings", Description: "Replaces the operator's seller identity and payment terms. Invoices issued from now on carry them (each keeps the snapshot taken when it was issued); bad fields answer 422 naming them and nothing is saved. The platform's writers only.",
		Method: http.MethodPut, Path: "/api/v1/operator/settings", Summary: "Set the operator's seller identity and payment terms", Tags: tags, Errors: []int{http.StatusForbidden}},
		func(ctx context.Context, in *struct{ Body OperatorSettings }) (*Output[OperatorSettings], error) {
			b := in.Body
			st, err := s.services.Billing.SaveOperatorSettings(ctx, principal(ctx), billing.Seller{LegalName: b.LegalName, Address: b.Address.domain(), Country: b.Country,
				VATID: b.VATID, Email: b.Email, PaymentTermsDays: b.PaymentTermsDays, PaymentInstructions: b.PaymentInstructions})
			if err != nil {
				return nil, err
			}
			return out(operatorSettingsOf(st)), nil
		})
	register(s, huma.Operation{OperationID: "list-tax-rates", Description: "Lists the standard VAT rates by country with the day each applies from; the billing run taxes an invoice at the rate valid on its date. The platform only. Changes nothing.",
		Method: http.MethodGet, Path: "/api/v1/operator/tax-rates", Summary: "List the tax rates with their validity dates", Tags: tags, Errors: []int{http.StatusForbidden}},
		func(ctx context.Context, _ *struct{}) (*Output[[]TaxRate], error) {
			rates, err := s.services.Billing.TaxRates(ctx, principal(ctx))
			if err != nil {
				return nil, err
			}
			list := make([]TaxRate, 0, len(rates))
			for _, r := range rates {
				list = append(list, taxRateOf(r))
			}
			return out(list), nil
		})
	register(s, huma.Operation{OperationID: "create-tax-rate", Description: "Adds a country's standard VAT rate valid from a day on (a rate change entered ahead). A country has one rate per day (409); bad fields answer 422 naming them. The platform's writers only.",
		Method: http.MethodPost, Path: "/api/v1/operator/tax-rates", Summary: "Add a tax rate valid from a date", Tags: tags, Errors: []int{http.StatusForbidden, http.StatusConflict}},
		func(ctx context.Context, in *struct{ Body TaxRateCreate }) (*Output[TaxRate], error) {
			b := in.Body
			rate, err := decimal.NewFromString(b.Rate)
			if err != nil {
				return nil, mercato.Invalid("invalid tax rate", mercato.FieldError{Path: "rate", Message: "must be a decimal", Value: b.Rate})
			}
			from, err := time.Parse(time.DateOnly, b.ValidFrom)
			if err != nil {
				return nil, mercato.Invalid("invalid tax rate", mercato.FieldError{Path: "valid_from", Message: "must be a day, YYYY-MM-DD", Value: b.ValidFrom})
			}
			r, err := s.services.Billing.AddTaxRate(ctx, principal(ctx), billing.TaxRate{Country: b.Country, Rate: rate, ValidFrom: from})
			if err != nil {
				return nil, err
			}
			return out(taxRateOf(r)), nil
		})
}
