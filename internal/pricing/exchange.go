package pricing

import (
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Bounds of an exchange rate: positive, at most MaxRate units of the quote
// currency for one of the base (a rate from a strong currency to one of the
// weakest is some tens of thousands), with at most rateDecimals decimals.
const (
	rateDecimals  = 10
	rateIntDigits = 7
)

// MaxRate is the largest exchange rate accepted.
var MaxRate = decimal.NewFromInt(1_000_000)

// ExchangeRate is one entry of the operator's exchange-rate table: one unit
// of Base is worth Rate units of Quote from the day ValidFrom (a date, UTC
// midnight) until the next entry of the same pair.
type ExchangeRate struct {
	Base      string          `json:"base" doc:"ISO 4217 code of the currency converted from (a plan's)"`
	Quote     string          `json:"quote" doc:"ISO 4217 code of the currency converted to (a customer's)"`
	Rate      decimal.Decimal `json:"rate" doc:"Units of quote for one unit of base, a decimal string"`
	ValidFrom time.Time       `json:"valid_from" doc:"First day the rate holds (UTC); it holds until the pair's next rate"`
}

// Validate checks the codes, the rate's bounds and that ValidFrom is a
// date.
func (r ExchangeRate) Validate() error {
	var fe mercato.FieldErrors
	if _, ok := MinorUnits(r.Base); !ok {
		fe.Add("base", "must be a known ISO 4217 currency code")
	}
	if _, ok := MinorUnits(r.Quote); !ok {
		fe.Add("quote", "must be a known ISO 4217 currency code")
	} else if r.Quote == r.Base {
		fe.Add("quote", "must differ from base")
	}
	switch {
	case r.Rate.Sign() <= 0:
		fe.Add("rate", "must be greater than 0")
	case r.Rate.GreaterThan(MaxRate):
		fe.Add("rate", "must be at most %s", MaxRate)
	default:
		if msg := checkDecimal(r.Rate, rateDecimals, rateIntDigits); msg != "" {
			fe.Add("rate", "%s", msg)
		}
	}
	if r.ValidFrom.IsZero() {
		fe.Add("valid_from", "is required")
	} else if d := r.ValidFrom.UTC(); !d.Equal(Day(d)) {
		fe.Add("valid_from", "must be a date (midnight UTC)")
	} else if d.Year() < 2000 || d.Year() > 9999 {
		fe.Add("valid_from", "must be between the years 2000 and 9999")
	}
	return fe.Err("invalid exchange rate")
}

// Day returns the UTC midnight of t's day: the date a rate valid at t is
// looked up for.
func Day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Inverse is the rate from Quote to Base (1/Rate to rateDecimals
// decimals), for a pair the table holds the other way round.
func (r ExchangeRate) Inverse() ExchangeRate {
	return ExchangeRate{Base: r.Quote, Quote: r.Base, Rate: decimal.NewFromInt(1).DivRound(r.Rate, rateDecimals), ValidFrom: r.ValidFrom}
}

// ConvertAmount converts an amount of r.Base to r.Quote, rounded half-even
// to the quote currency's minor unit.
func (r ExchangeRate) ConvertAmount(d decimal.Decimal) decimal.Decimal {
	return Round(d.Mul(r.Rate), r.Quote)
}

// Convert returns q (priced in r.Base) in r.Quote: each line converted and
// rounded to the quote currency's minor unit (its unit price keeps four
// more decimals), the total the sum of the converted lines, and the shares
// converted level by level as a quote's are split (each level of the
// chain converted and rounded, the vendor's part of the first rounded on
// its own, each party the difference of its level and the one before), the
// last level being the total: the shares still add up to the total
// exactly. Every line's description tells the amount it was converted
// from.
func (r ExchangeRate) Convert(q Quote) Quote {
	if q.Currency == r.Quote {
		return q
	}
	out := q
	out.Currency = r.Quote
	minor := minorOf(r.Quote)
	from := minorOf(r.Base)
	out.Lines = make([]Line, len(q.Lines))
	for i, l := range q.Lines {
		l.Description += " (" + r.Base + " " + l.Amount.StringFixed(from) + " at " + r.Rate.String() + ")"
		l.UnitAmount = l.UnitAmount.Mul(r.Rate).RoundBank(minor + 4)
		l.Amount = r.ConvertAmount(l.Amount)
		out.Lines[i] = l
	}
	out.Total = Total(out.Lines)
	out.Shares = r.ConvertShares(q.Shares, out.Total)
	return out
}

// ConvertShares converts a split of an amount of r.Base whose converted
// total is total (see [ExchangeRate.Convert]): the vendor's share and each
// level of the chain (vendor and platform, then each party's price)
// converted and rounded, each party the difference of its level and the
// previous, the last level set to total.
func (r ExchangeRate) ConvertShares(shares []Share, total decimal.Decimal) []Share {
	if len(shares) == 0 {
		return nil
	}
	out := make([]Share, len(shares))
	copy(out, shares)
	level := decimal.Zero
	prev := decimal.Zero // converted level before this share
	for i, s := range shares {
		level = level.Add(s.Amount)
		if i == 0 && len(shares) > 1 {
			out[0].Amount = r.ConvertAmount(s.Amount)
			prev = out[0].Amount
			continue
		}
		conv := r.ConvertAmount(level)
		if i == len(shares)-1 {
			conv = total
		}
		out[i].Amount = conv.Sub(prev)
		prev = conv
	}
	return out
}
