package web

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestMoneyShowsTheCurrencysDecimals: the control panel showed every
// amount with two decimals, yen too. Each currency shows its minor unit's.
func TestMoneyShowsTheCurrencysDecimals(t *testing.T) {
	for _, name := range []string{"money", "amount"} {
		f := funcs[name].(func(decimal.Decimal, string) string)
		for _, c := range []struct{ amount, currency, want string }{
			{"13718", "JPY", "JPY 13718"},
			{"5000", "KRW", "KRW 5000"},
			{"10.035", "KWD", "KWD 10.035"},
			{"63", "EUR", "EUR 63.00"},
			{"122.96", "USD", "USD 122.96"},
		} {
			if got := f(decimal.RequireFromString(c.amount), c.currency); got != c.want {
				t.Errorf("%s(%s, %s) = %q, want %q", name, c.amount, c.currency, got, c.want)
			}
		}
	}
}
