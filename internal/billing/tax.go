package billing

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/vatid"
)

// EURates are the standard VAT rates of the EU member states, in percent,
// in force in 2026 (Estonia 24 since 2025-07-01, Romania 21 since
// 2025-08-01). They tell which countries are EU member states; the rates
// the billing run applies are operator data with validity dates (the
// tax_rates table, seeded with these by migration 00019), read as a
// [TaxPolicy] valid on the invoice date.
var EURates = map[string]string{
	"AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25", "EE": "24",
	"ES": "21", "FI": "25.5", "FR": "20", "GR": "24", "HR": "25", "HU": "27", "IE": "23", "IT": "22",
	"LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21", "PL": "23", "PT": "23", "RO": "21",
	"SE": "25", "SI": "22", "SK": "23",
}

// Tax notes printed on invoices.
const (
	NoteReverseCharge = "Reverse charge: VAT to be accounted for by the recipient (Article 196, Council Directive 2006/112/EC)."
	NoteOutsideEU     = "Not subject to EU VAT: supply to a customer outside the European Union."
)

// TaxPolicy decides the tax rate of an invoice from its customer's
// country and VAT id. Rates are percentages by ISO 3166-1 alpha-2 country;
// countries without a rate are taxed at zero.
type TaxPolicy struct {
	Rates map[string]decimal.Decimal
}

// DefaultTaxPolicy taxes EU customers at their country's standard rate
// (the destination rule for electronically supplied services), from
// EURates; the billing run uses the operator's dated rates instead
// ([RatesOn]).
func DefaultTaxPolicy() TaxPolicy {
	p := TaxPolicy{Rates: map[string]decimal.Decimal{}}
	for c, r := range EURates {
		p.Rates[c] = decimal.RequireFromString(r)
	}
	return p
}

// IsEU reports whether country is an EU member state.
func IsEU(country string) bool {
	_, ok := EURates[strings.ToUpper(country)]
	return ok
}

// Party is who issues or receives an invoice, as printed on it: an
// invoice keeps the snapshot taken when it was issued.
type Party struct {
	ID      int64            `json:"id"`
	Name    string           `json:"name"` // the legal name
	Email   string           `json:"email,omitempty"`
	Country string           `json:"country,omitempty"`
	VATID   string           `json:"vat_id,omitempty"`
	Address *mercato.Address `json:"address,omitempty"`
	// PaymentInstructions, of an issuer: how to pay (bank, IBAN).
	PaymentInstructions string `json:"payment_instructions,omitempty"`
}

// PartyOf is an organization as an invoice names it.
func PartyOf(o mercato.Organization) Party {
	p := Party{ID: o.ID, Name: o.Name, Email: o.Email, Country: o.Country, VATID: o.VATID}
	if o.Address != (mercato.Address{}) {
		a := o.Address
		p.Address = &a
	}
	return p
}

// ValidVATID reports whether p's VAT id is a well-formed EU VAT id
// (format and check digit, see internal/vatid).
func (p Party) ValidVATID() bool {
	return strings.TrimSpace(p.VATID) != "" && vatid.Valid(p.Country, p.VATID)
}

// Rate returns the tax rate in percent and the note an invoice from
// issuer to customer carries: an EU business customer (with a valid VAT id) in
// another country than the issuer's pays no VAT (reverse charge); other EU
// customers pay their country's rate; customers outside the EU none.
func (t TaxPolicy) Rate(issuer, customer Party) (decimal.Decimal, string) {
	c := strings.ToUpper(customer.Country)
	if !IsEU(c) {
		if c == "" {
			return decimal.Zero, ""
		}
		if r, ok := t.Rates[c]; ok {
			return r, ""
		}
		return decimal.Zero, NoteOutsideEU
	}
	if customer.ValidVATID() && !strings.EqualFold(issuer.Country, c) {
		return decimal.Zero, NoteReverseCharge
	}
	if r, ok := t.Rates[c]; ok {
		return r, ""
	}
	return decimal.Zero, ""
}

// TaxRate is a country's standard VAT rate from a day on: operator data,
// so that a change of rate is entered ahead and applies from its date.
type TaxRate struct {
	ID        int64
	Country   string          // ISO 3166-1 alpha-2
	Rate      decimal.Decimal // percent
	ValidFrom time.Time       // a UTC midnight
	CreatedAt time.Time
}

// Validate checks a new rate: a country code, a percentage in [0, 100)
// with at most two decimals, a day.
func (r TaxRate) Validate() error {
	var fe mercato.FieldErrors
	if !mercato.ValidCountry(r.Country) {
		fe.Add("country", "must be an ISO 3166-1 alpha-2 code, upper case (IT, DE…)")
	}
	if r.Rate.IsNegative() || !r.Rate.LessThan(decimal.NewFromInt(100)) || r.Rate.Exponent() < -2 {
		fe.Add("rate", "must be a percentage from 0 to below 100, at most two decimals")
	}
	if r.ValidFrom.IsZero() || !r.ValidFrom.Equal(r.ValidFrom.UTC().Truncate(24*time.Hour)) ||
		r.ValidFrom.Year() < 2000 || r.ValidFrom.Year() > 2100 {
		fe.Add("valid_from", "must be a day (YYYY-MM-DD) from 2000 to 2100")
	}
	return fe.Err("invalid tax rate")
}

// RatesOn is the tax policy of the rates valid on day: per country, the
// rate with the latest ValidFrom not after it.
func RatesOn(rates []TaxRate, day time.Time) TaxPolicy {
	p := TaxPolicy{Rates: map[string]decimal.Decimal{}}
	from := map[string]time.Time{}
	for _, r := range rates {
		if r.ValidFrom.After(day) {
			continue
		}
		if f, ok := from[r.Country]; ok && !r.ValidFrom.After(f) {
			continue
		}
		p.Rates[r.Country], from[r.Country] = r.Rate, r.ValidFrom
	}
	return p
}
