package catalog

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// DefaultFeePercent is the operator's fee when no rule says otherwise.
var DefaultFeePercent = decimal.NewFromInt(20)

// maxFeeDecimals bounds a fee's precision (as an organization's
// fee_percent).
const maxFeeDecimals = 4

// FeeRule is one of the operator's rules for its fee on a vendor's sales,
// in percent of what the vendor's price comes to. Its scope is a vendor
// (0: every vendor) and a product type ("": every type); the most
// specific rule that matches a sale decides its fee (FeeRules.Percent).
type FeeRule struct {
	VendorID    int64
	VendorName  string // read only: for lists
	ProductType ProductType
	Percent     decimal.Decimal
	UpdatedAt   time.Time
}

// IsDefault reports whether r is the default rule (every vendor, every
// type).
func (r FeeRule) IsDefault() bool { return r.VendorID == 0 && r.ProductType == "" }

// Validate checks a rule as it is to be saved: a known product type or
// none, a vendor id that is not negative, a percentage from 0 to 100 with
// at most 4 decimals.
func (r FeeRule) Validate() error {
	var fe mercato.FieldErrors
	if r.VendorID < 0 {
		fe.Add("vendor_id", "must be an organization's id, or 0 for every vendor")
	}
	if r.ProductType != "" && !r.ProductType.Valid() {
		fe.Add("product_type", "must be empty (every type) or one of saas, microsoft_csp, azure_plan, azure_marketplace_vm, arm_template, service")
	}
	if msg := FeePercentProblem(r.Percent); msg != "" {
		fe.Add("percent", "%s", msg)
	}
	return fe.Err("invalid fee rule")
}

// FeePercentProblem says what is wrong with a fee percentage, "" if
// nothing.
func FeePercentProblem(p decimal.Decimal) string {
	if p.IsNegative() || p.GreaterThan(decimal.NewFromInt(100)) || !p.Equal(p.Truncate(maxFeeDecimals)) {
		return "must be a decimal from 0 to 100 with at most 4 decimals"
	}
	return ""
}

// FeeRules are the rules that may match one sale, each nil when there is
// none: the vendor's for the product's type, the vendor's own, the
// product type's and the default.
type FeeRules struct {
	VendorType, Vendor, Type, Default *decimal.Decimal
}

// Percent is the fee of a sale: the most specific rule wins (the vendor
// and type, the vendor, the type, the default), else DefaultFeePercent.
func (f FeeRules) Percent() decimal.Decimal {
	for _, p := range []*decimal.Decimal{f.VendorType, f.Vendor, f.Type, f.Default} {
		if p != nil {
			return *p
		}
	}
	return DefaultFeePercent
}
