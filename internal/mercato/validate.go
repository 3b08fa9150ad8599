package mercato

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/vatid"
)

// The validation of the account types: what a value must look like,
// whoever writes it. Who may write which value is the accounts service's
// (internal/accounts).

// Validate checks the fields every organization must have. The currency
// is checked only when it is set: which codes Mercato bills in is
// pricing's table, a package above this one, so the accounts service
// checks that the code is known.
func (o Organization) Validate() error {
	var fe FieldErrors
	if !o.Kind.Valid() {
		fe.Add("kind", "must be one of platform, vendor, distributor, reseller, customer")
	}
	if o.Name == "" || len(o.Name) > 200 || !ValidText(o.Name) {
		fe.Add("name", "is required: at most 200 characters, without control or bidirectional-override characters")
	}
	if o.Country != "" && !ValidCountry(o.Country) {
		fe.Add("country", "must be an ISO 3166-1 alpha-2 code, upper case (IT, DE, US…)")
	}
	if o.Email != "" && !ValidEmail(o.Email) {
		fe.Add("email", "must be a plain e-mail address")
	}
	if !ValidText(o.VATID) || len(o.VATID) > 32 {
		fe.Add("vat_id", "at most 32 characters, without control characters")
	} else if o.VATID != "" {
		// An EU VAT id (by its prefix, else by the country) must have its
		// country's format and check digit; others are free text.
		if prefix, _ := vatid.Split(o.Country, o.VATID); vatid.IsEU(prefix) {
			if err := vatid.Check(o.Country, o.VATID); err != nil {
				fe.Add("vat_id", "is not a valid EU VAT number: %v", err)
			}
		}
	}
	o.Address.validate(&fe, "address.")
	if o.FeePercent != "" {
		d, err := decimal.NewFromString(o.FeePercent)
		if err != nil || d.IsNegative() || d.GreaterThan(decimal.NewFromInt(100)) {
			fe.Add("fee_percent", "must be a decimal between 0 and 100")
		}
	}
	return fe.Err("invalid organization")
}

// validate adds the address's field errors, each path prefixed.
func (a Address) validate(fe *FieldErrors, prefix string) {
	for _, f := range []struct{ path, value string }{{"line", a.Line}, {"city", a.City}, {"postal_code", a.PostalCode}} {
		limit := 200
		if f.path == "postal_code" {
			limit = 20
		}
		if len(f.value) > limit || !ValidText(f.value) {
			fe.Add(prefix+f.path, "at most %d characters, without control or bidirectional-override characters", limit)
		}
	}
}

// Validate checks a user's email (already normalised: lower case, no
// surrounding spaces), role and name.
func (u User) Validate() error {
	var fe FieldErrors
	if !ValidEmail(u.Email) {
		fe.Add("email", "must be a plain email address")
	}
	if !u.Role.Valid() {
		fe.Add("role", "must be admin, manager or viewer")
	}
	if len(u.Name) > 200 || !ValidText(u.Name) {
		fe.Add("name", "at most 200 characters, without control or bidirectional-override characters")
	}
	if u.UserName != "" && !ValidUserName(u.UserName) {
		fe.Add("username", "3 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (no '@')")
	}
	if u.Language != "" && !slices.Contains(UserLanguages, u.Language) {
		fe.Add("language", "must be one of %s", strings.Join(UserLanguages, ", "))
	}
	return fe.Err("invalid user")
}

// Validate checks a new token's name, which its owner recognises it by.
func (t Token) Validate() error {
	var fe FieldErrors
	if t.Name == "" || len(t.Name) > 100 {
		fe.Add("name", "is required (at most 100 characters)")
	}
	return fe.Err("invalid token")
}

// Password rules.
const (
	MinPasswordLength = 10
	MaxPasswordLength = 72 // bcrypt reads at most 72 bytes
)

// Password is a control-panel password as its user types it; only its
// hash is kept.
type Password string

// Validate checks a new password against the rules.
func (pw Password) Validate() error {
	var fe FieldErrors
	switch {
	case utf8.RuneCountInString(string(pw)) < MinPasswordLength:
		fe.Add("password", "must be at least %d characters", MinPasswordLength)
	case len(pw) > MaxPasswordLength:
		fe.Add("password", "must be at most %d bytes", MaxPasswordLength)
	case strings.ContainsRune(string(pw), 0):
		fe.Add("password", "must not contain NUL characters")
	}
	return fe.Err("invalid password")
}
