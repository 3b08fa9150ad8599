package pricing

import (
	"slices"
	"testing"
)

// TestPriceListEntryValidateFor: a markup is refused when it is set if it
// does not fit the plan's model, prices below what its organization buys
// at, or beyond the bounds of an amount; each refusal names the field.
func TestPriceListEntryValidateFor(t *testing.T) {
	t.Parallel()
	seats := Pricing{Currency: "EUR", Model: ModelPerUnit, Unit: "seat", UnitAmount: dp("4.00")}
	flat := Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("100")}
	graduated := Pricing{Currency: "EUR", Model: ModelGraduated, Unit: "seat", Tiers: cloudesireTiers()}
	tests := []struct {
		name    string
		p       Pricing
		beneath []Markup
		m       Markup
		paths   []string
	}{
		{"a distributor's fixed unit price above the vendor's", seats, nil, fixed("4.40"), nil},
		{"a distributor's fixed unit price at the vendor's", seats, nil, fixed("4"), nil},
		{"a distributor's fixed unit price below the vendor's", seats, nil, fixed("3.99"), []string{"value"}},
		{"a reseller's fixed unit price below its distributor's 10%", seats, []Markup{pct("10")}, fixed("4.39"), []string{"value"}},
		{"a reseller's fixed unit price at its distributor's 10%", seats, []Markup{pct("10")}, fixed("4.40"), nil},
		{"a reseller's fixed period price below its distributor's fixed", flat, []Markup{fixed("130")}, fixed("120"), []string{"value"}},
		{"a reseller's percentage over its distributor's fixed", flat, []Markup{fixed("130")}, pct("5"), nil},
		{"a value on a distributor's value", flat, []Markup{value("10")}, value("0.01"), nil},
		{"a fixed price on a graduated plan", graduated, nil, fixed("9"), []string{"kind"}},
		{"a value on a graduated plan", graduated, nil, value("1"), nil},
		{"a percentage on a graduated plan", graduated, nil, pct("25"), nil},
		{"a percentage beyond its bound", seats, nil, pct("1001"), []string{"value"}},
		{"a value pricing beyond the largest amount", Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("999999999999")}, nil, value("1"), []string{"value"}},
		{"a percentage pricing beyond the largest amount", Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("500000000000")}, nil, pct("100"), []string{"value"}},
		{"a negative value", seats, nil, value("-1"), []string{"value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := PriceListEntry{OrganizationID: 1, PlanID: 2, Markup: tt.m}.ValidateFor(tt.p, tt.beneath)
			if tt.paths == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := errorPaths(t, err); !slices.Equal(got, tt.paths) {
				t.Errorf("paths = %v, want %v (%v)", got, tt.paths, err)
			}
		})
	}
}
