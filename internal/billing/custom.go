package billing

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Custom billing: lines a subscription's provider bills on its own, beside
// what its plan prices (Cloudesire's custom invoices, one-shot and
// recurring upsell costs). They are charges like every other priced event:
// written once when the provider declares them, at the price it declares,
// in the subscription's currency, split between the vendor and the
// platform's fee; the channel's parties take no share of them.
const (
	// KindCustom is a charge (and its invoice lines) of custom lines: a
	// custom invoice's (Ref "invoice-N") or one-shot costs waiting for the
	// next invoice (Ref "oneshot-N").
	KindCustom = "custom"
	// KindCustomRecurring is the charge of the recurring custom lines for
	// one period, written as the period is charged.
	KindCustomRecurring = "custom_recurring"
)

// Bounds of custom lines.
const (
	MaxCustomLines       = 100
	maxCustomDescription = 500
	maxCustomUnit        = 50
	maxCustomIdentifier  = 125
)

var (
	maxCustomPrice    = decimal.New(1, 9) // 1,000,000,000 per unit
	maxCustomQuantity = decimal.New(1, 6)
)

// CustomLine is one line a provider bills: a description, a unit price
// (negative for a discount), a quantity and its unit.
type CustomLine struct {
	Description string          `json:"description"`
	Identifier  string          `json:"identifier,omitempty"`
	UnitPrice   decimal.Decimal `json:"unit_price"`
	Quantity    decimal.Decimal `json:"quantity"`
	Unit        string          `json:"unit,omitempty"`
	// Currency, when set, must be the subscription's: the price is in it.
	Currency  string    `json:"currency,omitempty"`
	Purchased time.Time `json:"purchased,omitzero"`
}

// Amount is the line's total rounded to currency's minor unit.
func (l CustomLine) Amount(currency string) decimal.Decimal {
	return pricing.Round(l.UnitPrice.Mul(l.Quantity), currency)
}

func (l CustomLine) validate(fe *mercato.FieldErrors, path, currency string) {
	if l.Currency != "" && l.Currency != currency {
		fe.Add(path+".price.currency", "must be %s, the subscription's currency (prices are not converted)", currency)
	}
	d := strings.TrimSpace(l.Description)
	switch {
	case d == "":
		fe.Add(path+".description", "is required")
	case utf8.RuneCountInString(d) > maxCustomDescription:
		fe.Add(path+".description", "at most %d characters", maxCustomDescription)
	}
	if utf8.RuneCountInString(l.Unit) > maxCustomUnit {
		fe.Add(path+".unit", "at most %d characters", maxCustomUnit)
	}
	if utf8.RuneCountInString(l.Identifier) > maxCustomIdentifier {
		fe.Add(path+".identifier", "at most %d characters", maxCustomIdentifier)
	}
	if l.UnitPrice.Abs().GreaterThan(maxCustomPrice) {
		fe.Add(path+".price.price", "must be between -%s and %s", maxCustomPrice, maxCustomPrice)
	}
	if l.Quantity.Sign() <= 0 || l.Quantity.GreaterThan(maxCustomQuantity) {
		fe.Add(path+".quantity", "must be more than 0 and at most %s", maxCustomQuantity)
	}
}

// ValidateCustomLines checks a list of custom lines (paths "[i].field"):
// at most MaxCustomLines, each valid; when positive is set their total in
// currency must not be negative (an invoice never is: a refund is a credit
// note).
func ValidateCustomLines(lines []CustomLine, currency string, positive bool) error {
	var fe mercato.FieldErrors
	if len(lines) > MaxCustomLines {
		fe.Add("lines", "at most %d lines", MaxCustomLines)
	}
	total := decimal.Zero
	for i, l := range lines {
		l.validate(&fe, fmt.Sprintf("[%d]", i), currency)
		total = total.Add(l.Amount(currency))
	}
	if len(fe) == 0 && positive && total.Sign() < 0 {
		fe.Add("lines", "the lines total %s: custom costs never make an invoice negative (refunds are credit notes)", total)
	}
	return fe.Err("invalid custom lines")
}

// CustomCharge is the charge of custom lines of subscription sub sold
// through channel v (its vendor and the platform's fee), in currency,
// for the window w and due at due.
func CustomCharge(sub, customer int64, kind, ref string, v Version, lines []CustomLine, currency string, w Window, due time.Time) Charge {
	c := Charge{SubscriptionID: sub, CustomerID: customer, Kind: kind, Ref: ref, PeriodStart: w.From, PeriodEnd: w.To, DueAt: due, Currency: currency}
	if raw, err := v.JSON(); err == nil {
		c.Version = raw
	}
	for _, l := range lines {
		desc := strings.TrimSpace(l.Description)
		if l.Unit != "" {
			desc += " (" + l.Unit + ")"
		}
		c.Lines = append(c.Lines, pricing.Line{Description: desc, Kind: kind, Quantity: l.Quantity, UnitAmount: l.UnitPrice, Amount: l.Amount(currency)})
	}
	total := c.Total()
	vendor := pricing.Round(total.Mul(decimal.NewFromInt(1).Sub(v.Channel.FeePercent.Shift(-2))), currency)
	c.Shares = []pricing.Share{
		{Role: pricing.RoleVendor, OrganizationID: v.Channel.VendorID, Amount: vendor},
		{Role: pricing.RolePlatform, Amount: total.Sub(vendor)},
	}
	return c
}

// CustomLinesJSON encodes recurring custom lines as a schedule keeps them
// ("" for none).
func CustomLinesJSON(lines []CustomLine) (string, error) {
	if len(lines) == 0 {
		return "", nil
	}
	b, err := json.Marshal(lines)
	if err != nil {
		return "", fmt.Errorf("encode custom lines: %w", err)
	}
	return string(b), nil
}

// ParseCustomLines decodes what CustomLinesJSON wrote.
func ParseCustomLines(raw string) ([]CustomLine, error) {
	if raw == "" {
		return nil, nil
	}
	var lines []CustomLine
	if err := json.Unmarshal([]byte(raw), &lines); err != nil {
		return nil, fmt.Errorf("decode custom lines: %w", err)
	}
	return lines, nil
}
