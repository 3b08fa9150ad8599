package vatid_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/vatid"
)

// The test builds its VAT ids itself: a base number, and the check digit
// computed here from each country's published algorithm, written apart
// from the package's own code.

func num(s string) []int {
	out := []int{}
	for _, r := range s {
		out = append(out, int(r-'0'))
	}
	return out
}

func dot(s string, w []int) int {
	t := 0
	for i, d := range num(s) {
		t += d * w[i]
	}
	return t
}

// luhnDigit is the digit that makes base+digit pass Luhn: from the right,
// every second digit of base (starting with its last) is doubled.
func luhnDigit(base string) string {
	sum := 0
	d := num(base)
	for i := len(d) - 1; i >= 0; i-- {
		x := d[i]
		if (len(d)-1-i)%2 == 0 {
			x = x * 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return strconv.Itoa((10 - sum%10) % 10)
}

var build = map[string]func(base string) string{
	"IT": func(b string) string { return b + luhnDigit(b) },        // 10 digits
	"SE": func(b string) string { return b + luhnDigit(b) + "01" }, // 9 digits
	"DE": func(b string) string { // 8 digits, ISO 7064 MOD 11,10
		product := 10
		for _, d := range num(b) {
			sum := (d + product) % 10
			if sum == 0 {
				sum = 10
			}
			product = (sum * 2) % 11
		}
		return b + strconv.Itoa((11-product)%10)
	},
	"FR": func(b string) string { // 9-digit SIREN
		siren, _ := strconv.Atoi(b)
		return fmt.Sprintf("%02d%s", (12+3*(siren%97))%97, b)
	},
	"NL": func(b string) string { // 8 digits
		return b + strconv.Itoa(dot(b, []int{9, 8, 7, 6, 5, 4, 3, 2})%11) + "B01"
	},
	"BE": func(b string) string { // 8 digits, starting 0 or 1
		n, _ := strconv.Atoi(b)
		return fmt.Sprintf("%s%02d", b, 97-n%97)
	},
	"AT": func(b string) string { // 7 digits
		s := 0
		for i, d := range num(b) {
			p := d * (1 + i%2)
			s += p/10 + p%10
		}
		return "U" + b + strconv.Itoa((10-(s+4)%10)%10)
	},
	"PL": func(b string) string { return b + strconv.Itoa(dot(b, []int{6, 5, 7, 2, 3, 4, 5, 6, 7})%11) }, // 9 digits
	"PT": func(b string) string { // 8 digits
		c := 11 - dot(b, []int{9, 8, 7, 6, 5, 4, 3, 2})%11
		if c > 9 {
			c = 0
		}
		return b + strconv.Itoa(c)
	},
	"DK": func(b string) string { // 7 digits: the eighth (weight 1) makes Σ ≡ 0 mod 11
		c := (11 - dot(b, []int{2, 7, 6, 5, 4, 3, 2})%11) % 11
		return b + strconv.Itoa(c)
	},
	"FI": func(b string) string { // 7 digits
		c := 11 - dot(b, []int{7, 9, 10, 5, 8, 4, 2})%11
		return b + strconv.Itoa(c%11)
	},
	"IE": func(b string) string { // 7 digits
		return b + string("WABCDEFGHIJKLMNOPQRSTUV"[dot(b, []int{8, 7, 6, 5, 4, 3, 2})%23])
	},
	"CZ": func(b string) string { // 7 digits
		a := 11 - dot(b, []int{8, 7, 6, 5, 4, 3, 2})%11
		return b + strconv.Itoa(a%10)
	},
	"RO": func(b string) string { // up to 9 digits
		padded := strings.Repeat("0", 9-len(b)) + b
		return b + strconv.Itoa(dot(padded, []int{7, 5, 3, 2, 1, 7, 5, 3, 2})*10%11%10)
	},
	"GR": func(b string) string { // 8 digits
		return b + strconv.Itoa(dot(b, []int{256, 128, 64, 32, 16, 8, 4, 2})%11%10)
	},
	"ES": func(b string) string { // A + 7 digits: a company, check digit
		s := 0
		for i, d := range num(b) {
			if i%2 == 1 {
				s += d
			} else {
				s += (2*d)/10 + (2*d)%10
			}
		}
		return "A" + b + strconv.Itoa((10-s%10)%10)
	},
}

var bases = map[string][]string{
	"IT": {"0123456789", "1234567001", "9876543210"},
	"SE": {"556012345", "212000014", "559988776"},
	"DE": {"13645789", "81234567", "29876543"},
	"FR": {"404833048", "123456789", "987654321"},
	"NL": {"12345678", "80412345", "00599988"},
	"BE": {"04031234", "12345678", "08765432"},
	"AT": {"1234567", "6543210", "0000001"},
	"PL": {"526000012", "123456789", "777000111"},
	"PT": {"50000000", "12345678", "98765432"},
	"DK": {"1234567", "8765432", "2011223"},
	"FI": {"0123456", "1572860", "2345678"},
	"IE": {"6433435", "1234567", "9999999"},
	"CZ": {"2508000", "4512345", "6999999"},
	"RO": {"1863", "1234567", "987654321"},
	"GR": {"09476142", "12345678", "80000001"},
	"ES": {"5800512", "1234567", "7654321"},
}

func TestCheckConstructed(t *testing.T) {
	for country, bs := range bases {
		for _, b := range bs {
			id := build[country](b)
			if country == "DK" && strings.HasSuffix(id, "10") || country == "FI" && strings.HasSuffix(id, "10") || country == "PL" && strings.HasSuffix(id, "10") {
				continue // a remainder of 10 is never issued
			}
			if err := vatid.Check(country, id); err != nil {
				t.Errorf("%s %s: %v", country, id, err)
			}
			// With its prefix and spacing as people type it.
			if err := vatid.Check(country, strings.ToLower(vatid.Prefix(country))+" "+id); err != nil {
				t.Errorf("%s prefixed %s: %v", country, id, err)
			}
			// Any other last digit fails (the check digit is the last).
			last := id[len(id)-1]
			if country == "SE" || country == "NL" {
				continue // their check digit is not the last: see below
			}
			for _, r := range "0123456789" {
				if byte(r) == last || last > '9' {
					continue
				}
				wrong := id[:len(id)-1] + string(r)
				if err := vatid.Check(country, wrong); !errors.Is(err, vatid.ErrCheckDigit) {
					t.Errorf("%s %s (check digit %c): %v, want ErrCheckDigit", country, wrong, r, err)
				}
			}
		}
	}
	// The Swedish check digit is the tenth of twelve.
	se := build["SE"]("556012345")
	wrong := se[:9] + strconv.Itoa((int(se[9]-'0')+1)%10) + "01"
	if err := vatid.Check("SE", wrong); !errors.Is(err, vatid.ErrCheckDigit) {
		t.Errorf("SE %s: %v, want ErrCheckDigit", wrong, err)
	}
}

func TestCheckSpanishPersons(t *testing.T) {
	letters := "TRWAGMYFPDXBNJZSQVHLCKE"
	dni := "12345678"
	n, _ := strconv.Atoi(dni)
	ok := dni + string(letters[n%23])
	if err := vatid.Check("ES", ok); err != nil {
		t.Errorf("DNI %s: %v", ok, err)
	}
	nie := "Y1234567" // Y reads as 1
	m, _ := strconv.Atoi("11234567")
	if err := vatid.Check("ES", nie+string(letters[m%23])); err != nil {
		t.Errorf("NIE: %v", err)
	}
	if err := vatid.Check("ES", dni+string(letters[(n+1)%23])); !errors.Is(err, vatid.ErrCheckDigit) {
		t.Errorf("wrong DNI letter: %v", err)
	}
}

func TestCheckRejects(t *testing.T) {
	for _, c := range []struct {
		country, id string
		want        error
	}{
		{"IT", "1234567890", vatid.ErrFormat},      // 10 digits
		{"IT", "00000000000", vatid.ErrCheckDigit}, // company number zero
		{"DE", "0" + build["DE"]("13645789")[1:], vatid.ErrFormat},
		{"DE", "12345678A", vatid.ErrFormat},
		{"AT", "12345678", vatid.ErrFormat}, // no U
		{"NL", "123456789", vatid.ErrFormat},
		{"US", "123456789", vatid.ErrCountry},
		{"", "", vatid.ErrCountry},
		{"IT", "DE" + build["DE"]("13645789") + "1", vatid.ErrFormat}, // the prefix decides
		{"LU", "1234567", vatid.ErrFormat},
	} {
		if err := vatid.Check(c.country, c.id); !errors.Is(err, c.want) {
			t.Errorf("Check(%q, %q) = %v, want %v", c.country, c.id, err, c.want)
		}
	}
	// Format-only countries accept any number of the right shape.
	for country, id := range map[string]string{"LU": "12345678", "SK": "1234567890", "HU": "12345678", "CZ": "123456789"} {
		if err := vatid.Check(country, id); err != nil {
			t.Errorf("%s %s: %v", country, id, err)
		}
	}
	// Greece's prefix is EL; GR as a country code maps to it.
	gr := build["GR"]("09476142")
	if !vatid.Valid("GR", "EL"+gr) || !vatid.Valid("GR", gr) || !vatid.Valid("", "EL"+gr) {
		t.Errorf("Greek id %s not accepted", gr)
	}
}

func FuzzCheck(f *testing.F) {
	for country, bs := range bases {
		f.Add(country, build[country](bs[0]))
	}
	f.Add("IT", "IT 123")
	f.Add("ES", "X")
	f.Fuzz(func(t *testing.T, country, id string) {
		err := vatid.Check(country, id) // never panics
		if err == nil {
			p, n := vatid.Split(country, id)
			if !vatid.IsEU(p) || n == "" {
				t.Fatalf("accepted %q %q as %q %q", country, id, p, n)
			}
			// Normalised input gives the same answer.
			if !vatid.Valid(country, vatid.Normalize(id)) {
				t.Fatalf("normalised %q refused", id)
			}
		}
	})
}
