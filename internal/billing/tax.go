package billing

import (
	"strings"

	"github.com/shopspring/decimal"
)

// EURates are the standard VAT rates of the EU member states, in percent
// (2025). An operator overrides or extends them with [TaxPolicy.Rates].
var EURates = map[string]string{
	"AT": "20", "BE": "21", "BG": "20", "CY": "19", "CZ": "21", "DE": "19", "DK": "25", "EE": "22",
	"ES": "21", "FI": "25.5", "FR": "20", "GR": "24", "HR": "25", "HU": "27", "IE": "23", "IT": "22",
	"LT": "21", "LU": "17", "LV": "21", "MT": "18", "NL": "21", "PL": "23", "PT": "23", "RO": "19",
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
// (the destination rule for electronically supplied services). The table
// stays in code for now, outside serve's configuration (internal/config):
// another issue makes it operator data.
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

// Party is who issues or receives an invoice.
type Party struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Country string `json:"country,omitempty"`
	VATID   string `json:"vat_id,omitempty"`
}

// Rate returns the tax rate in percent and the note an invoice from
// issuer to customer carries: an EU business customer (with a VAT id) in
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
	if strings.TrimSpace(customer.VATID) != "" && !strings.EqualFold(issuer.Country, c) {
		return decimal.Zero, NoteReverseCharge
	}
	if r, ok := t.Rates[c]; ok {
		return r, ""
	}
	return decimal.Zero, ""
}
