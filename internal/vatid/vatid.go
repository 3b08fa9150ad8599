// Package vatid checks EU VAT identification numbers: the format each
// member state gives its numbers and, where the state defines one, the
// check digit. It answers whether a number can be a VAT id, not whether it
// is registered (that is VIES's, a network service this package does not
// call).
//
// Check digits are verified for AT, BE, CZ (8 and 10 digits), DE, DK, EL
// (GR), ES, FI, FR (numeric key), IE, IT, NL, PL, PT, RO and SE. The other
// member states (BG, CY, EE, HR, HU, LT, LU, LV, MT, SI, SK), a French key
// with letters and a Czech number of 9 digits are checked for their format
// only.
package vatid

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Errors Check wraps.
var (
	ErrFormat     = errors.New("does not have the format of the country's VAT numbers")
	ErrCheckDigit = errors.New("check digit does not match")
	ErrCountry    = errors.New("is not an EU member state's VAT prefix")
)

type rule struct {
	format *regexp.Regexp
	check  func(n string) bool // nil: format only
}

var rules = map[string]rule{
	"AT": {regexp.MustCompile(`^U\d{8}$`), checkAT},
	"BE": {regexp.MustCompile(`^[01]\d{9}$`), checkBE},
	"BG": {regexp.MustCompile(`^\d{9,10}$`), nil},
	"CY": {regexp.MustCompile(`^\d{8}[A-Z]$`), nil},
	"CZ": {regexp.MustCompile(`^\d{8,10}$`), checkCZ},
	"DE": {regexp.MustCompile(`^[1-9]\d{8}$`), checkDE},
	"DK": {regexp.MustCompile(`^[1-9]\d{7}$`), checkDK},
	"EE": {regexp.MustCompile(`^10\d{7}$`), nil},
	"EL": {regexp.MustCompile(`^\d{9}$`), checkEL},
	"ES": {regexp.MustCompile(`^[A-Z0-9]\d{7}[A-Z0-9]$`), checkES},
	"FI": {regexp.MustCompile(`^\d{8}$`), checkFI},
	"FR": {regexp.MustCompile(`^[0-9A-HJ-NP-Z]{2}\d{9}$`), checkFR},
	"HR": {regexp.MustCompile(`^\d{11}$`), nil},
	"HU": {regexp.MustCompile(`^\d{8}$`), nil},
	"IE": {regexp.MustCompile(`^(\d{7}[A-W][A-IW]?|\d[A-Z+*]\d{5}[A-W])$`), checkIE},
	"IT": {regexp.MustCompile(`^\d{11}$`), checkIT},
	"LT": {regexp.MustCompile(`^(\d{9}|\d{12})$`), nil},
	"LU": {regexp.MustCompile(`^\d{8}$`), nil},
	"LV": {regexp.MustCompile(`^\d{11}$`), nil},
	"MT": {regexp.MustCompile(`^[1-9]\d{7}$`), nil},
	"NL": {regexp.MustCompile(`^\d{9}B\d{2}$`), checkNL},
	"PL": {regexp.MustCompile(`^\d{10}$`), checkPL},
	"PT": {regexp.MustCompile(`^[1-9]\d{8}$`), checkPT},
	"RO": {regexp.MustCompile(`^[1-9]\d{1,9}$`), checkRO},
	"SE": {regexp.MustCompile(`^\d{10}01$`), checkSE},
	"SI": {regexp.MustCompile(`^[1-9]\d{7}$`), nil},
	"SK": {regexp.MustCompile(`^[1-9]\d{9}$`), nil},
}

// Prefix is the VAT prefix of an ISO 3166-1 country code: EL for Greece,
// the code itself elsewhere.
func Prefix(country string) string {
	c := strings.ToUpper(strings.TrimSpace(country))
	if c == "GR" {
		return "EL"
	}
	return c
}

// IsEU reports whether prefix (a VAT prefix or a country code) is an EU
// member state's.
func IsEU(prefix string) bool {
	_, ok := rules[Prefix(prefix)]
	return ok
}

// Normalize removes spaces, dots and dashes from a VAT id and upper-cases
// it: "it 123.456" → "IT123456".
func Normalize(id string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '\t':
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, id)
}

// Split returns the VAT prefix and the national number of id. An id that
// starts with an EU member state's prefix is split there; otherwise the
// prefix is country's.
func Split(country, id string) (prefix, number string) {
	id = Normalize(id)
	if len(id) > 2 && IsEU(id[:2]) && id[:2] != "GR" {
		return id[:2], id[2:]
	}
	return Prefix(country), id
}

// Check validates id, with or without its country prefix, as a VAT id of
// country (ISO 3166-1; a prefix in id takes precedence): the format, then
// the check digit where the country defines one.
func Check(country, id string) error {
	prefix, number := Split(country, id)
	r, ok := rules[prefix]
	if !ok {
		return fmt.Errorf("%q: %w", prefix, ErrCountry)
	}
	if !r.format.MatchString(number) {
		return fmt.Errorf("%s VAT id %q %w", prefix, number, ErrFormat)
	}
	if r.check != nil && !r.check(number) {
		return fmt.Errorf("%s VAT id %q: %w", prefix, number, ErrCheckDigit)
	}
	return nil
}

// Valid reports whether id is a well-formed EU VAT id of country.
func Valid(country, id string) bool { return Check(country, id) == nil }

func digits(s string) []int {
	d := make([]int, len(s))
	for i := range s {
		d[i] = int(s[i] - '0')
	}
	return d
}

// weighted is Σ d[i]·w[i].
func weighted(d []int, w ...int) int {
	s := 0
	for i, x := range w {
		s += d[i] * x
	}
	return s
}

// luhn reports whether the digits s pass the Luhn check.
func luhn(s string) bool {
	sum := 0
	for i, d := range digits(s) {
		if (len(s)-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// checkIT: Luhn over the 11 digits; the 7-digit company number is not zero.
func checkIT(n string) bool { return n[:7] != "0000000" && luhn(n) }

// checkSE: the 10-digit organisation number passes Luhn.
func checkSE(n string) bool { return luhn(n[:10]) }

// checkDE: ISO 7064 MOD 11,10 over the first 8 digits.
func checkDE(n string) bool {
	d := digits(n)
	p := 10
	for _, x := range d[:8] {
		s := (x + p) % 10
		if s == 0 {
			s = 10
		}
		p = 2 * s % 11
	}
	c := 11 - p
	if c == 10 {
		c = 0
	}
	return c == d[8]
}

// checkFR: a numeric key is (12 + 3·(SIREN mod 97)) mod 97; a key with
// letters is checked for its format only.
func checkFR(n string) bool {
	if n[0] > '9' || n[1] > '9' {
		return true
	}
	siren := 0
	for _, x := range digits(n[2:]) {
		siren = (siren*10 + x) % 97
	}
	key := int(n[0]-'0')*10 + int(n[1]-'0')
	return key == (12+3*siren)%97
}

// checkES covers legal entities (letter, 7 digits, check digit or letter),
// Spanish citizens (DNI: 8 digits and a letter) and foreigners (NIE: X, Y
// or Z, 7 digits and a letter; K, L, M likewise).
func checkES(n string) bool {
	const dniLetters = "TRWAGMYFPDXBNJZSQVHLCKE"
	first, last := n[0], n[8]
	switch {
	case first >= '0' && first <= '9':
		return last == dniLetters[atoi(n[:8])%23]
	case strings.IndexByte("XYZ", first) >= 0:
		return last == dniLetters[atoi(string(rune('0'+strings.IndexByte("XYZ", first)))+n[1:8])%23]
	case strings.IndexByte("KLM", first) >= 0:
		return last == dniLetters[atoi(n[1:8])%23]
	case strings.IndexByte("ABCDEFGHJNPQRSUVW", first) < 0:
		return false
	}
	sum := 0
	for i, x := range digits(n[1:8]) {
		if i%2 == 0 { // positions 1, 3, 5, 7
			x *= 2
			x = x/10 + x%10
		}
		sum += x
	}
	c := (10 - sum%10) % 10
	letter := "JABCDEFGHI"[c]
	switch {
	case strings.IndexByte("KPQRSNW", first) >= 0:
		return last == letter
	case strings.IndexByte("ABEH", first) >= 0:
		return last == byte('0'+c)
	}
	return last == letter || last == byte('0'+c)
}

func atoi(s string) int {
	v := 0
	for _, x := range digits(s) {
		v = v*10 + x
	}
	return v
}

// checkNL: the 9 digits pass the mod 11 test (weights 9…2, the last digit
// the remainder), or, for numbers issued to sole traders since 2020, the
// whole "NL…" id is 1 mod 97 with letters as 10 (A) to 35 (Z).
func checkNL(n string) bool {
	d := digits(n[:9])
	if weighted(d, 9, 8, 7, 6, 5, 4, 3, 2)%11 == d[8] {
		return true
	}
	m := 0
	for _, r := range "NL" + n {
		v := int(r - '0')
		if r >= 'A' {
			v = int(r-'A') + 10
		}
		if v >= 10 {
			m = (m*100 + v) % 97
		} else {
			m = (m*10 + v) % 97
		}
	}
	return m == 1
}

// checkBE: the last two digits are 97 − (the first eight mod 97).
func checkBE(n string) bool { return 97-atoi(n[:8])%97 == atoi(n[8:]) }

// checkAT: U and 8 digits; the last is (10 − (Σ + 4) mod 10) mod 10, where
// Σ sums the digits of the first seven weighted 1, 2, 1, 2…
func checkAT(n string) bool {
	d := digits(n[1:])
	sum := 0
	for i, x := range d[:7] {
		if i%2 == 1 {
			x *= 2
			x = x/10 + x%10
		}
		sum += x
	}
	return (10-(sum+4)%10)%10 == d[7]
}

// checkPL: weights 6 5 7 2 3 4 5 6 7, mod 11, equals the tenth digit.
func checkPL(n string) bool {
	d := digits(n)
	return weighted(d, 6, 5, 7, 2, 3, 4, 5, 6, 7)%11 == d[9]
}

// checkPT: 11 − (weights 9…2 mod 11), 10 and 11 giving 0.
func checkPT(n string) bool {
	d := digits(n)
	c := 11 - weighted(d, 9, 8, 7, 6, 5, 4, 3, 2)%11
	if c >= 10 {
		c = 0
	}
	return c == d[8]
}

// checkDK: weights 2 7 6 5 4 3 2 1 sum to a multiple of 11.
func checkDK(n string) bool { return weighted(digits(n), 2, 7, 6, 5, 4, 3, 2, 1)%11 == 0 }

// checkFI: 11 − (weights 7 9 10 5 8 4 2 mod 11); 11 gives 0, 10 is never
// issued.
func checkFI(n string) bool {
	d := digits(n)
	c := 11 - weighted(d, 7, 9, 10, 5, 8, 4, 2)%11
	if c == 11 {
		c = 0
	}
	return c != 10 && c == d[7]
}

// checkIE: weights 8…2 over the 7 digits, plus 9 × a second letter's
// value (A=1 … I=9, W=0), mod 23 is the check letter (0 = W, 1 = A …). The
// old format (digit, letter or + or *, 5 digits, letter) is read as 0, the
// 5 digits, the first digit.
func checkIE(n string) bool {
	var num string
	var check byte
	extra := 0
	if n[1] >= '0' && n[1] <= '9' {
		num, check = n[:7], n[7]
		if len(n) == 9 && n[8] != 'W' {
			extra = int(n[8]-'A'+1) * 9
		}
	} else {
		num, check = "0"+n[2:7]+n[:1], n[7]
	}
	r := (weighted(digits(num), 8, 7, 6, 5, 4, 3, 2) + extra) % 23
	return "WABCDEFGHIJKLMNOPQRSTUV"[r] == check
}

// checkCZ: 8 digits (legal entities): 11 − (weights 8…2 mod 11), mod 10,
// with 10 → 0 and 11 → 1; 10 digits (birth numbers): divisible by 11; 9
// digits: format only.
func checkCZ(n string) bool {
	d := digits(n)
	switch len(n) {
	case 8:
		a := 11 - weighted(d, 8, 7, 6, 5, 4, 3, 2)%11
		return a%10 == d[7]
	case 10:
		return atoi(n)%11 == 0
	}
	return true
}

// checkRO: the number, left-padded with zeros to 10 digits, weighted 7 5 3
// 2 1 7 5 3 2 over the first nine; (Σ × 10 mod 11) mod 10 is the last.
func checkRO(n string) bool {
	p := strings.Repeat("0", 10-len(n)) + n
	d := digits(p)
	return weighted(d, 7, 5, 3, 2, 1, 7, 5, 3, 2)*10%11%10 == d[9]
}

// checkEL: Σ d[i]·2^(8−i) over the first eight, mod 11, mod 10.
func checkEL(n string) bool {
	d := digits(n)
	return weighted(d, 256, 128, 64, 32, 16, 8, 4, 2)%11%10 == d[8]
}
