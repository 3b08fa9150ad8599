package mercato

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidText reports whether s may be a name or label people read: UTF-8,
// no control characters, and none of the bidirectional overrides and
// isolates (U+202A–U+202E, U+2066–U+2069) that make a name display as
// something else (an invoice for "Acme‮ gnp.exe" reading "Acme exe.png").
func ValidText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
	})
}

// ValidEmail reports whether s is a plain e-mail address (no display
// name), with a dot in its domain.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(strings.Trim(domain, "."), ".")
}

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 code assigned
// to a country or territory (upper case).
func ValidCountry(code string) bool {
	return len(code) == 2 && strings.Contains(countries, " "+code+" ")
}

// countries are the officially assigned ISO 3166-1 alpha-2 codes.
const countries = " AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ" +
	" BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ" +
	" CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ" +
	" DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR" +
	" GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU" +
	" ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ" +
	" LA LB LC LI LK LR LS LT LU LV LY" +
	" MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ" +
	" NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA" +
	" RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ" +
	" TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ" +
	" VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "
