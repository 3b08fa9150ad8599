package pricing

import (
	"slices"

	"github.com/shopspring/decimal"
)

// minorUnits maps ISO 4217 codes to the number of decimals of their minor
// unit. The list covers the currencies a European marketplace bills in and
// their usual trading partners; add codes here as needed.
var minorUnits = map[string]int32{
	// Two decimals.
	"AED": 2, "AUD": 2, "BGN": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CNY": 2,
	"CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2,
	"IDR": 2, "ILS": 2, "INR": 2, "MAD": 2, "MXN": 2, "MYR": 2, "NOK": 2,
	"NZD": 2, "PHP": 2, "PLN": 2, "RON": 2, "RSD": 2, "SAR": 2, "SEK": 2,
	"SGD": 2, "THB": 2, "TRY": 2, "TWD": 2, "UAH": 2, "USD": 2, "ZAR": 2,
	// No minor unit.
	"CLP": 0, "ISK": 0, "JPY": 0, "KRW": 0, "VND": 0,
	// Three decimals.
	"BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
}

// fallbackMinorUnits is used by [Round] for codes missing from the table:
// two decimals is what most currencies use, and it keeps amounts payable.
const fallbackMinorUnits = 2

// MinorUnits returns the number of decimals of currency's minor unit (2 for
// EUR, 0 for JPY, 3 for KWD) and whether the code is known. Codes are
// upper case, as in ISO 4217.
func MinorUnits(currency string) (int32, bool) {
	n, ok := minorUnits[currency]
	return n, ok
}

// Currencies returns the known ISO 4217 codes, sorted.
func Currencies() []string {
	codes := make([]string, 0, len(minorUnits))
	for c := range minorUnits {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// Round rounds amount half-even (banker's rounding) to currency's minor
// unit. An unknown currency rounds to two decimals; validated plans never
// have one.
func Round(amount decimal.Decimal, currency string) decimal.Decimal {
	return amount.RoundBank(minorOf(currency))
}

func minorOf(currency string) int32 {
	if n, ok := minorUnits[currency]; ok {
		return n
	}
	return fallbackMinorUnits
}
