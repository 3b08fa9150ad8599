package pricing

import (
	"time"

	"github.com/shopspring/decimal"
)

// Prorate returns the part of amount that falls in the rest of a period:
// amount × hoursLeft / totalHours, rounded half-even to currency's minor
// unit. Hours are whole: totalHours is the period's length and hoursLeft
// the time from at to periodEnd, both truncated to the hour, with
// hoursLeft clamped to [0, totalHours]. A period shorter than an hour
// prorates to zero.
func Prorate(amount decimal.Decimal, currency string, periodStart, periodEnd, at time.Time) decimal.Decimal {
	total := int64(periodEnd.Sub(periodStart) / time.Hour)
	if total <= 0 {
		return decimal.Zero
	}
	left := max(0, min(total, int64(periodEnd.Sub(at)/time.Hour)))
	return divRoundBank(amount.Mul(decimal.NewFromInt(left)), decimal.NewFromInt(total), minorOf(currency))
}

// divRoundBank returns n / d rounded half-even to places decimals, exactly:
// Div would first round the quotient to 16 digits, and rounding twice can
// turn a value just above a half into an exact half.
func divRoundBank(n, d decimal.Decimal, places int32) decimal.Decimal {
	neg := n.Sign()*d.Sign() < 0
	n, d = n.Abs(), d.Abs()
	q, r := n.QuoRem(d, places) // n = q·d + r, 0 <= r < d·10^-places
	// Compare the remainder with half a unit in the last place.
	half := d.Shift(-places)
	c := r.Add(r).Cmp(half)
	if c > 0 || c == 0 && q.Shift(places).BigInt().Bit(0) == 1 {
		q = q.Add(decimal.New(1, -places))
	}
	if neg {
		q = q.Neg()
	}
	return q
}
