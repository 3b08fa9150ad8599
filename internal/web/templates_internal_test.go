package web

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestMoneyShowsTheCurrencysDecimals: the control panel showed every
// amount with two decimals, yen too. Each currency shows its minor unit's,
// in each language's way (Italian: decimal comma, thousands by dots).
func TestMoneyShowsTheCurrencysDecimals(t *testing.T) {
	for _, c := range []struct{ lang, amount, currency, want string }{
		{"en", "13718", "JPY", "JPY 13718"},
		{"en", "5000", "KRW", "KRW 5000"},
		{"en", "10.035", "KWD", "KWD 10.035"},
		{"en", "63", "EUR", "EUR 63.00"},
		{"en", "122.96", "USD", "USD 122.96"},
		{"it", "13718", "JPY", "13.718\u00a0JPY"},
		{"it", "1234.5", "EUR", "1.234,50\u00a0€"},
		{"it", "-1234567.891", "KWD", "-1.234.567,891\u00a0KWD"},
		{"it", "999", "USD", "999,00\u00a0USD"},
	} {
		fm := funcsFor(wordsFor(c.lang))
		for _, name := range []string{"money", "amount"} {
			f := fm[name].(func(decimal.Decimal, string) string)
			if got := f(decimal.RequireFromString(c.amount), c.currency); got != c.want {
				t.Errorf("%s %s(%s, %s) = %q, want %q", c.lang, name, c.amount, c.currency, got, c.want)
			}
		}
	}
}
