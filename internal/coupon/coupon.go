// Package coupon is the domain of coupons (Stripe's coupons and promotion
// codes in one): a code that takes a percentage or an amount off the
// recurring price of a subscription for one period, N periods or forever,
// may be limited to products and plans, to a number of redemptions and to
// a date, and may extend the plan's free trial. Whoever grants a coupon
// bears its discount in the split: the platform's, a vendor's, a
// distributor's or a reseller's share is lowered by it, never another
// party's.
//
// Codes are unique across the marketplace and case-insensitive (stored in
// upper case): a customer types one at checkout without saying whose it is.
package coupon

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Kinds of discount.
const (
	KindPercent = "percent" // Value percent off (0 < Value ≤ 100)
	KindAmount  = "amount"  // Value in Currency off each period (at most the period's price)
)

// Durations.
const (
	Once      = "once"      // the first period charged
	Repeating = "repeating" // the first Periods periods charged
	Forever   = "forever"   // every period charged
)

// KindDiscount is the kind of a discount line on a charge, an order, a
// quote and an invoice.
const KindDiscount = billing.KindDiscount

// Bounds.
const (
	MaxPeriods       = 120     // a repeating coupon's periods (ten years of months)
	MaxTrialDays     = 365     // days a coupon adds to a plan's trial
	MaxRedemptions   = 1000000 // a coupon's redemption limit
	MaxRestrictions  = 100     // products or plans a coupon is limited to
	MinCodeLength    = 3
	MaxCodeLength    = 32
	maxValueDecimals = 2
)

// MaxAmount bounds an amount off (in the coupon's currency): beyond any
// period sold in practice, it keeps a slip of the keyboard out.
var MaxAmount = decimal.NewFromInt(1000000)

var (
	hundred  = decimal.NewFromInt(100)
	codeChar = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]*$`)
)

// Coupon is a discount a party grants, redeemed by code.
type Coupon struct {
	ID                 int64
	Code               string
	Kind               string
	Value              decimal.Decimal
	Currency           string // an amount's currency; "" for a percentage
	Duration           string
	Periods            int // repeating: the periods discounted
	ProductIDs         []int64
	PlanIDs            []int64
	MaxRedemptions     int64 // 0: unlimited
	Redemptions        int64
	ExpiresAt          time.Time // zero: never; redeemable before it
	TrialExtensionDays int
	GranterID          int64           // the granting organization
	GranterKind        mercato.OrgKind // platform, vendor, distributor or reseller
	Active             bool
	CreatedAt          time.Time
}

// Normalize returns a code as stored: trimmed, upper case.
func Normalize(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// ValidateCode checks a code's length and characters (A–Z, 0–9, '-' and
// '_', starting with a letter or digit), after Normalize.
func ValidateCode(code string) string {
	switch {
	case len(code) < MinCodeLength || len(code) > MaxCodeLength:
		return fmt.Sprintf("must be %d to %d characters", MinCodeLength, MaxCodeLength)
	case !codeChar.MatchString(code):
		return "only letters, digits, '-' and '_', starting with a letter or digit"
	}
	return ""
}

// Validate checks a coupon as it is created; paths are the API's fields.
func (c Coupon) Validate() error {
	var fe mercato.FieldErrors
	if msg := ValidateCode(c.Code); msg != "" {
		fe = append(fe, mercato.FieldError{Path: "code", Message: msg, Value: c.Code})
	}
	switch c.Kind {
	case KindPercent:
		if c.Value.Sign() <= 0 || c.Value.GreaterThan(hundred) {
			fe.Add("value", "a percentage must be more than 0 and at most 100")
		} else if -c.Value.Exponent() > maxValueDecimals {
			fe.Add("value", "at most %d decimals", maxValueDecimals)
		}
		if c.Currency != "" {
			fe.Add("currency", "a percentage has no currency")
		}
	case KindAmount:
		places, ok := pricing.MinorUnits(c.Currency)
		if !ok {
			fe.Add("currency", "an amount needs a known ISO 4217 currency")
		}
		if c.Value.Sign() <= 0 || c.Value.GreaterThan(MaxAmount) {
			fe.Add("value", "an amount must be more than 0 and at most %s", MaxAmount)
		} else if ok && -c.Value.Exponent() > places {
			fe.Add("value", "at most %d decimals in %s", places, c.Currency)
		}
	default:
		fe.Add("kind", "must be percent or amount")
	}
	switch c.Duration {
	case Once, Forever:
		if c.Periods != 0 {
			fe.Add("periods", "only a repeating coupon counts periods")
		}
	case Repeating:
		if c.Periods < 1 || c.Periods > MaxPeriods {
			fe.Add("periods", "must be 1 to %d", MaxPeriods)
		}
	default:
		fe.Add("duration", "must be once, repeating or forever")
	}
	ids := func(path string, list []int64) {
		if len(list) > MaxRestrictions {
			fe.Add(path, "at most %d", MaxRestrictions)
			return
		}
		for i, id := range list {
			if id <= 0 {
				fe.Add(fmt.Sprintf("%s[%d]", path, i), "must be a positive id")
			}
		}
	}
	ids("product_ids", c.ProductIDs)
	ids("plan_ids", c.PlanIDs)
	if c.MaxRedemptions < 0 || c.MaxRedemptions > MaxRedemptions {
		fe.Add("max_redemptions", "must be 0 (unlimited) to %d", MaxRedemptions)
	}
	if c.TrialExtensionDays < 0 || c.TrialExtensionDays > MaxTrialDays {
		fe.Add("trial_extension_days", "must be 0 to %d", MaxTrialDays)
	}
	switch c.GranterKind {
	case mercato.KindPlatform, mercato.KindVendor, mercato.KindDistributor, mercato.KindReseller:
	default:
		fe.Add("granter", "only the platform, a vendor, a distributor or a reseller grants coupons")
	}
	return fe.Err("invalid coupon")
}

// Sale is what a coupon is redeemed on: the plan sold and its channel.
type Sale struct {
	ProductID int64
	PlanID    int64
	VendorID  int64
	Currency  string
	Channel   []pricing.ChannelMarkup // distributor, then reseller
}

// notApplicable is the refusal of a code at checkout, naming the field.
func notApplicable(code, why string) error {
	return mercato.Invalid("invalid coupon", mercato.FieldError{Path: "coupon", Message: why, Value: code})
}

// Check refuses a coupon that cannot be redeemed on s at now: inactive,
// expired, used up, for other products or plans, in another currency, or
// granted by a party that has no part in the sale (a vendor's coupon on
// another vendor's product, a reseller's on a sale through another
// channel). The error names the field "coupon".
func (c Coupon) Check(s Sale, now time.Time) error {
	switch {
	case !c.Active:
		return notApplicable(c.Code, "this coupon is no longer valid")
	case !c.ExpiresAt.IsZero() && !now.Before(c.ExpiresAt):
		return notApplicable(c.Code, "this coupon has expired")
	case c.MaxRedemptions > 0 && c.Redemptions >= c.MaxRedemptions:
		return notApplicable(c.Code, "this coupon has been used up")
	case len(c.ProductIDs) > 0 && !contains(c.ProductIDs, s.ProductID):
		return notApplicable(c.Code, "this coupon does not apply to this product")
	case len(c.PlanIDs) > 0 && !contains(c.PlanIDs, s.PlanID):
		return notApplicable(c.Code, "this coupon does not apply to this plan")
	case c.Kind == KindAmount && c.Currency != s.Currency:
		return notApplicable(c.Code, fmt.Sprintf("this coupon is in %s, the plan in %s", c.Currency, s.Currency))
	}
	switch c.GranterKind {
	case mercato.KindVendor:
		if s.VendorID != c.GranterID {
			return notApplicable(c.Code, "this coupon does not apply to this product")
		}
	case mercato.KindDistributor, mercato.KindReseller:
		in := false
		for _, m := range s.Channel {
			in = in || (m.Role == string(c.GranterKind) && m.OrganizationID == c.GranterID)
		}
		if !in {
			return notApplicable(c.Code, "this coupon does not apply to purchases through your channel")
		}
	}
	return nil
}

func contains(list []int64, id int64) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// Terms are what a subscription sold with a coupon keeps (on its charge
// schedule): enough to discount its periods whatever becomes of the
// coupon afterwards.
type Terms struct {
	Code        string          `json:"code"`
	Kind        string          `json:"kind"`
	Value       decimal.Decimal `json:"value"`
	Currency    string          `json:"currency,omitempty"`
	Duration    string          `json:"duration"`
	Periods     int             `json:"periods,omitempty"`
	GranterRole string          `json:"granter_role"` // a pricing role: platform, vendor, distributor, reseller
	GranterID   int64           `json:"granter_id"`
}

// Terms returns the terms a redemption of c keeps.
func (c Coupon) Terms() Terms {
	return Terms{Code: c.Code, Kind: c.Kind, Value: c.Value, Currency: c.Currency, Duration: c.Duration, Periods: c.Periods,
		GranterRole: string(c.GranterKind), GranterID: c.GranterID}
}

// Lasts reports whether a period is still discounted after used periods
// were.
func (t Terms) Lasts(used int) bool {
	switch t.Duration {
	case Forever:
		return true
	case Repeating:
		return used < t.Periods
	default:
		return used < 1
	}
}

// Discount returns the discount line of a period priced as lines (its
// recurring lines are discounted; setup and usage are not) and shares,
// and the shares with the discount taken from the granter's: the lines
// with the discount line and the shares returned still add up to the
// same total. No recurring price, no discount (ok false).
func (t Terms) Discount(lines []pricing.Line, shares []pricing.Share, currency string) (line pricing.Line, out []pricing.Share, ok bool, err error) {
	return t.off(lines, pricing.KindRecurring, shares, currency)
}

// ChangeDiscount returns the discount line of an upgrade's prorated
// charge (its lines of kind billing.KindChange) in a period the coupon
// discounts, and the shares with it taken from the granter's, as Discount
// does for a period. A percentage takes its part of the change; an amount
// takes nothing more: it comes off each period once, and the period's own
// charge had it.
func (t Terms) ChangeDiscount(lines []pricing.Line, shares []pricing.Share, currency string) (line pricing.Line, out []pricing.Share, ok bool, err error) {
	if t.Kind != KindPercent {
		return pricing.Line{}, shares, false, nil
	}
	return t.off(lines, billing.KindChange, shares, currency)
}

// off is the discount of the lines of kind, borne by the granter.
func (t Terms) off(lines []pricing.Line, kind string, shares []pricing.Share, currency string) (line pricing.Line, out []pricing.Share, ok bool, err error) {
	base := decimal.Zero
	for _, l := range lines {
		if l.Kind == kind {
			base = base.Add(l.Amount)
		}
	}
	if base.Sign() <= 0 {
		return pricing.Line{}, shares, false, nil
	}
	var d decimal.Decimal
	var what string
	switch t.Kind {
	case KindPercent:
		d = pricing.Round(base.Mul(t.Value).Div(hundred), currency)
		what = t.Value.String() + "% off"
	case KindAmount:
		if t.Currency != currency {
			return pricing.Line{}, nil, false, fmt.Errorf("coupon %s in %s on a price in %s", t.Code, t.Currency, currency)
		}
		d = decimal.Min(t.Value, base)
		what = t.Value.String() + " " + t.Currency + " off"
	default:
		return pricing.Line{}, nil, false, fmt.Errorf("coupon %s: unknown kind %q", t.Code, t.Kind)
	}
	if d.Sign() <= 0 {
		return pricing.Line{}, shares, false, nil
	}
	out = make([]pricing.Share, len(shares))
	copy(out, shares)
	found := false
	for i := range out {
		if out[i].Role == t.GranterRole && (t.GranterRole == pricing.RolePlatform || out[i].OrganizationID == t.GranterID) {
			out[i].Amount, found = out[i].Amount.Sub(d), true
			break
		}
	}
	if !found {
		return pricing.Line{}, nil, false, fmt.Errorf("coupon %s: its granter (%s %d) has no share in the sale", t.Code, t.GranterRole, t.GranterID)
	}
	line = pricing.Line{Description: "Coupon " + t.Code + ": " + what, Kind: KindDiscount,
		Quantity: decimal.NewFromInt(1), UnitAmount: d.Neg(), Amount: d.Neg()}
	return line, out, true, nil
}
