package billing

import (
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/vatid"
)

// Seller is the operator's identity as the seller of the invoices the
// platform issues, and its payment terms: operator settings. An invoice
// keeps the snapshot of its issuer taken when it was issued, so a change
// here never alters an issued invoice.
type Seller struct {
	LegalName           string
	Address             mercato.Address
	Country             string // ISO 3166-1 alpha-2
	VATID               string
	Email               string
	PaymentTermsDays    int    // 0: the dunning policy's
	PaymentInstructions string // how to pay: bank, IBAN; may span lines
	UpdatedAt           time.Time
}

// Bounds of the operator settings.
const (
	MaxPaymentTermsDays    = 365
	MaxPaymentInstructions = 1000
)

// Validate checks the settings: a legal name and a country are required
// (the country decides reverse charge); an EU VAT id has its country's
// format and check digit.
func (s Seller) Validate() error {
	var fe mercato.FieldErrors
	if strings.TrimSpace(s.LegalName) == "" || len(s.LegalName) > 200 || !mercato.ValidText(s.LegalName) {
		fe.Add("legal_name", "is required: at most 200 characters, without control characters")
	}
	if !mercato.ValidCountry(s.Country) {
		fe.Add("country", "is required: an ISO 3166-1 alpha-2 code, upper case (IT, DE…)")
	}
	if s.Email != "" && !mercato.ValidEmail(s.Email) {
		fe.Add("email", "must be a plain e-mail address")
	}
	switch {
	case !mercato.ValidText(s.VATID) || len(s.VATID) > 32:
		fe.Add("vat_id", "at most 32 characters, without control characters")
	case s.VATID != "" && vatid.IsEU(s.Country):
		if err := vatid.Check(s.Country, s.VATID); err != nil {
			fe.Add("vat_id", "is not a valid EU VAT number: %v", err)
		}
	}
	for _, f := range []struct {
		path, value string
		limit       int
	}{{"address.line", s.Address.Line, 200}, {"address.city", s.Address.City, 200}, {"address.postal_code", s.Address.PostalCode, 20}} {
		if len(f.value) > f.limit || !mercato.ValidText(f.value) {
			fe.Add(f.path, "at most %d characters, without control characters", f.limit)
		}
	}
	if s.PaymentTermsDays < 0 || s.PaymentTermsDays > MaxPaymentTermsDays {
		fe.Add("payment_terms_days", "must be from 0 to %d", MaxPaymentTermsDays)
	}
	ok := len(s.PaymentInstructions) <= MaxPaymentInstructions
	for _, line := range strings.Split(strings.ReplaceAll(s.PaymentInstructions, "\r\n", "\n"), "\n") {
		ok = ok && mercato.ValidText(line)
	}
	if !ok {
		fe.Add("payment_instructions", "at most %d characters, without control characters but line breaks", MaxPaymentInstructions)
	}
	return fe.Err("invalid operator settings")
}

// IsZero reports whether the operator has set nothing yet.
func (s Seller) IsZero() bool { return s.LegalName == "" }

// Issuer is the platform as the issuer of an invoice: its organization,
// with the operator's legal identity and payment instructions over it
// once set.
func (s Seller) Issuer(platform mercato.Organization) Party {
	p := PartyOf(platform)
	if s.IsZero() {
		return p
	}
	p.Name, p.Country, p.VATID = s.LegalName, s.Country, s.VATID
	if s.Email != "" {
		p.Email = s.Email
	}
	p.Address = nil
	if s.Address != (mercato.Address{}) {
		a := s.Address
		p.Address = &a
	}
	p.PaymentInstructions = strings.ReplaceAll(s.PaymentInstructions, "\r\n", "\n")
	return p
}
