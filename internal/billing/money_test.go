package billing_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/billing"
)

// TestMoneyShowsTheCurrencysDecimals: what invoices (PDF, CSV), e-mails
// and the API print: no decimals for yen and won, three for dinars.
func TestMoneyShowsTheCurrencysDecimals(t *testing.T) {
	for _, c := range []struct{ amount, currency, want string }{
		{"13718", "JPY", "13718"}, {"5000", "KRW", "5000"}, {"10.035", "KWD", "10.035"}, {"63", "EUR", "63.00"}, {"1.5", "XXX", "1.50"},
	} {
		if got := billing.Money(decimal.RequireFromString(c.amount), c.currency); got != c.want {
			t.Errorf("Money(%s, %s) = %q, want %q", c.amount, c.currency, got, c.want)
		}
	}
}
