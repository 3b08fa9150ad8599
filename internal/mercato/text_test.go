package mercato_test

import (
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
)

func TestValidText(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"Acme S.p.A.": true, "Łódź Sp. z o.o.": true, "Ελληνική Εταιρεία": true, "Căpșuni SRL": true, "株式会社": true,
		"Acme\u202egnp.exe": false, "a\u2066b": false, "a\u200fb": true, "tab\there": false, "nul\x00": false, "bad\xff": false,
	} {
		if got := mercato.ValidText(s); got != want {
			t.Errorf("ValidText(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidCountryAndEmail(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]bool{"IT": true, "DE": true, "US": true, "GR": true, "ZZ": false, "XX": false, "it": false, "EL": false, "I": false} {
		if got := mercato.ValidCountry(code); got != want {
			t.Errorf("ValidCountry(%q) = %v, want %v", code, got, want)
		}
	}
	for e, want := range map[string]bool{"it@adatum.example": true, "not-an-email": false, "a@b": false, "Name <a@b.example>": false, "a@b.example.": false} {
		if got := mercato.ValidEmail(e); got != want {
			t.Errorf("ValidEmail(%q) = %v, want %v", e, got, want)
		}
	}
}
