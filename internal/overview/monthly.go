package overview

import (
	"time"

	"github.com/shopspring/decimal"
)

// averageMonth is the mean length of a Gregorian month (365.2425 days / 12).
const averageMonth = 2629746 * time.Second

// Monthly is what a recurring charge is worth per month: its amount over
// the whole months its period spans (a quarter is a third a month, a year
// a twelfth), or, for a period of no whole number of months (weeks, days,
// a prorated stretch), in proportion to an average month.
func Monthly(c Charge) decimal.Decimal {
	if !c.End.After(c.Start) {
		return decimal.Zero
	}
	for n := 1; n <= 120; n++ {
		end := c.Start.AddDate(0, n, 0)
		if end.Equal(c.End) {
			return c.Amount.Div(decimal.NewFromInt(int64(n)))
		}
		if end.After(c.End) {
			break
		}
	}
	return c.Amount.Mul(decimal.NewFromInt(int64(averageMonth / time.Second))).Div(decimal.NewFromInt(int64(c.End.Sub(c.Start) / time.Second)))
}
