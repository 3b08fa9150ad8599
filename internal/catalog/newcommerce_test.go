package catalog_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// TestNewCommercePlans: a new-commerce Microsoft plan billed monthly for
// a year is a commitment with a window of at most 7 days; a legacy one, a
// monthly term and other products are not bound.
func TestNewCommercePlans(t *testing.T) {
	csp := catalog.Product{Type: catalog.TypeMicrosoftCSP}
	legacy := catalog.Product{Type: catalog.TypeMicrosoftCSP, Metadata: map[string]string{catalog.MetaPartnerCenterCommerce: "legacy"}}
	saas := catalog.Product{Type: catalog.TypeSaaS}
	const base = `"currency":"EUR","model":"per_unit","unit":"seat","unit_amount":"5.60"`
	for _, tc := range []struct {
		name    string
		prod    catalog.Product
		pricing string
		field   string // the field named, "" when valid
	}{
		{"annual term billed monthly, no commitment", csp, `{"period":"P1M","term":"P1Y",` + base + `}`, "pricing.commitment"},
		{"committed without a window", csp, `{"period":"P1M","commitment":"P1Y",` + base + `}`, "pricing.cancellation_window_days"},
		{"committed, window beyond Microsoft's", csp, `{"period":"P1M","commitment":"P1Y","cancellation_window_days":14,` + base + `}`, "pricing.cancellation_window_days"},
		{"committed, 7 days", csp, `{"period":"P1M","commitment":"P1Y","cancellation_window_days":7,` + base + `}`, ""},
		{"monthly term", csp, `{"period":"P1M",` + base + `}`, ""},
		{"legacy commerce", legacy, `{"period":"P1M","term":"P1Y",` + base + `}`, ""},
		{"not Microsoft", saas, `{"period":"P1M","term":"P1Y",` + base + `}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p pricing.Pricing
			if err := json.Unmarshal([]byte(tc.pricing), &p); err != nil {
				t.Fatal(err)
			}
			err := catalog.Plan{Name: "Seats", Pricing: p}.ValidFor(tc.prod)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			fields := mercato.Fields(err)
			if mercato.ErrorCode(err) != mercato.EINVALID || len(fields) != 1 || fields[0].Path != tc.field || !strings.Contains(fields[0].Message, "7") && tc.field != "pricing.commitment" {
				t.Fatalf("error %v (fields %+v), want one naming %s", err, fields, tc.field)
			}
		})
	}
}
