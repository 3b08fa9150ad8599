package billing

import "strings"

// TextCell makes free text (names, descriptions, numbers chosen by users)
// safe as a spreadsheet cell: text that a spreadsheet would read as a
// formula — starting with =, +, -, @, a tab or a carriage return — is
// prefixed with an apostrophe, which spreadsheets show as text (OWASP's
// CSV-injection advice). Amounts and dates Mercato formats itself are
// written as they are, so a negative amount stays a number.
func TextCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
