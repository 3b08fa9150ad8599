package pricing

import (
	"slices"
	"testing"
)

func TestRecurring(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		pricing  Pricing
		quantity int64
		want     []string // line amounts, hand-checked
		descs    []string // descriptions, when checked
	}{
		{
			name:     "flat ignores quantity",
			pricing:  Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("29.90")},
			quantity: 7,
			want:     []string{"29.90"},
			descs:    []string{"Recurring fee"},
		},
		{
			name:     "per unit: 25 seats at 4.00",
			pricing:  Pricing{Currency: "EUR", Model: ModelPerUnit, Unit: "seat", UnitAmount: dp("4.00")},
			quantity: 25,
			want:     []string{"100.00"},
			descs:    []string{"25 seat × 4.00"},
		},
		{
			name:     "graduated, Cloudesire example: 9×5 + 6×3 = 63",
			pricing:  Pricing{Currency: "EUR", Model: ModelGraduated, Tiers: cloudesireTiers()},
			quantity: 15,
			want:     []string{"45.00", "18.00"},
			descs:    []string{"Tier 1: units 1–9", "Tier 2: units 10–15"},
		},
		{
			name:     "volume, Cloudesire example: 15×3 = 45",
			pricing:  Pricing{Currency: "EUR", Model: ModelVolume, Unit: "seat", Tiers: cloudesireTiers()},
			quantity: 15,
			want:     []string{"45.00"},
			descs:    []string{"15 seat × 3.00"},
		},
		{
			name:     "volume at the top of the first tier: 9×5",
			pricing:  Pricing{Currency: "EUR", Model: ModelVolume, Tiers: cloudesireTiers()},
			quantity: 9,
			want:     []string{"45.00"},
		},
		{
			name:     "volume just into the second tier: 10×3",
			pricing:  Pricing{Currency: "EUR", Model: ModelVolume, Tiers: cloudesireTiers()},
			quantity: 10,
			want:     []string{"30.00"},
		},
		{
			name: "volume with a tier flat amount: 12×4 + 5",
			pricing: Pricing{Currency: "EUR", Model: ModelVolume, Unit: "seat", Tiers: []Tier{
				{UpTo: i64(10), UnitAmount: dp("5"), FlatAmount: dp("10")},
				{UnitAmount: dp("4"), FlatAmount: dp("5")},
			}},
			quantity: 12,
			want:     []string{"53.00"},
			descs:    []string{"12 seat × 4.00 + 5.00"},
		},
		{
			name:     "graduated within the first tier only",
			pricing:  Pricing{Currency: "EUR", Model: ModelGraduated, Tiers: cloudesireTiers()},
			quantity: 9,
			want:     []string{"45.00"},
		},
		{
			name: "graduated with flat amounts: (10×5+10) + (2×4+5) = 73",
			pricing: Pricing{Currency: "EUR", Model: ModelGraduated, Tiers: []Tier{
				{UpTo: i64(10), UnitAmount: dp("5"), FlatAmount: dp("10")},
				{UnitAmount: dp("4"), FlatAmount: dp("5")},
			}},
			quantity: 12,
			want:     []string{"60.00", "13.00"},
		},
		{
			name: "graduated flat-only tier",
			pricing: Pricing{Currency: "EUR", Model: ModelGraduated, Tiers: []Tier{
				{UpTo: i64(5), FlatAmount: dp("20")},
				{UnitAmount: dp("3")},
			}},
			quantity: 8,
			want:     []string{"20.00", "9.00"},
		},
		{
			name:     "package: 25 users in blocks of 10 at 20 = 3 blocks",
			pricing:  Pricing{Currency: "EUR", Model: ModelPackage, Unit: "user", Amount: dp("20"), PackageSize: 10},
			quantity: 25,
			want:     []string{"60.00"},
			descs:    []string{"25 user in 3 packages of 10 × 20.00"},
		},
		{
			name:     "package: exactly full blocks",
			pricing:  Pricing{Currency: "EUR", Model: ModelPackage, Amount: dp("20"), PackageSize: 10},
			quantity: 30,
			want:     []string{"60.00"},
		},
		{
			name:     "package: one unit over starts a block",
			pricing:  Pricing{Currency: "EUR", Model: ModelPackage, Amount: dp("20"), PackageSize: 10},
			quantity: 31,
			want:     []string{"80.00"},
		},
		{
			name:     "half-even: 10 × 0.0125 = 0.125 rounds to 0.12",
			pricing:  Pricing{Currency: "EUR", Model: ModelPerUnit, UnitAmount: dp("0.0125")},
			quantity: 10,
			want:     []string{"0.12"},
			descs:    []string{"10 unit × 0.0125"},
		},
		{
			name:     "half-even: 10 × 0.0135 = 0.135 rounds to 0.14",
			pricing:  Pricing{Currency: "EUR", Model: ModelPerUnit, UnitAmount: dp("0.0135")},
			quantity: 10,
			want:     []string{"0.14"},
		},
		{
			name:     "JPY has no minor unit: 12.5 rounds to 12",
			pricing:  Pricing{Currency: "JPY", Model: ModelPerUnit, UnitAmount: dp("2.5")},
			quantity: 5,
			want:     []string{"12.00"},
		},
		{
			name:     "JPY: 13.5 rounds to 14",
			pricing:  Pricing{Currency: "JPY", Model: ModelPerUnit, UnitAmount: dp("1.5")},
			quantity: 9,
			want:     []string{"14.00"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := tt.pricing.Recurring(tt.quantity)
			if err != nil {
				t.Fatal(err)
			}
			if got := lineAmounts(lines, 2); !slices.Equal(got, tt.want) {
				t.Errorf("amounts = %v, want %v", got, tt.want)
			}
			for i, l := range lines {
				if l.Kind != KindRecurring {
					t.Errorf("line %d kind = %q, want recurring", i, l.Kind)
				}
				if i < len(tt.descs) && l.Description != tt.descs[i] {
					t.Errorf("line %d description = %q, want %q", i, l.Description, tt.descs[i])
				}
			}
		})
	}
}

func TestRecurringKWDKeepsThreeDecimals(t *testing.T) {
	t.Parallel()
	p := Pricing{Currency: "KWD", Model: ModelPerUnit, UnitAmount: dp("0.0015")}
	lines, err := p.Recurring(5) // 0.0075 → 0.008 (half-even, 7 is odd)
	if err != nil {
		t.Fatal(err)
	}
	if got := lines[0].Amount.StringFixed(3); got != "0.008" {
		t.Errorf("amount = %s, want 0.008", got)
	}
}

func TestGraduatedLineQuantities(t *testing.T) {
	t.Parallel()
	p := Pricing{Currency: "EUR", Model: ModelGraduated, Tiers: cloudesireTiers()}
	lines, err := p.Recurring(15)
	if err != nil {
		t.Fatal(err)
	}
	equalAmount(t, "tier 1 quantity", lines[0].Quantity, d("9"))
	equalAmount(t, "tier 2 quantity", lines[1].Quantity, d("6"))
	equalAmount(t, "tier 2 unit amount", lines[1].UnitAmount, d("3"))
	equalAmount(t, "total", Total(lines), d("63"))
}

func TestRecurringQuantityBounds(t *testing.T) {
	t.Parallel()
	p := Pricing{Currency: "EUR", Model: ModelPerUnit, UnitAmount: dp("4"), MinQuantity: 5, MaxQuantity: 50}
	tests := []struct {
		name     string
		quantity int64
		wantErr  bool
	}{
		{"zero", 0, true},
		{"negative", -3, true},
		{"below minimum", 4, true},
		{"at minimum", 5, false},
		{"at maximum", 50, false},
		{"above maximum", 51, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Recurring(tt.quantity)
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if got := errorPaths(t, err); !slices.Equal(got, []string{"quantity"}) {
				t.Errorf("paths = %v, want [quantity]", got)
			}
		})
	}
}

func TestRecurringRejectsInvalidPlan(t *testing.T) {
	t.Parallel()
	p := Pricing{Currency: "EUR", Model: ModelPackage, Amount: dp("20")} // no package_size
	if got := errorPaths(t, func() error { _, err := p.Recurring(3); return err }()); !slices.Equal(got, []string{"package_size"}) {
		t.Errorf("paths = %v, want [package_size]", got)
	}
}

func TestMetricUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		metric Metric
		usage  string
		want   []string // rounded EUR amounts
		descs  []string
	}{
		{
			name:   "per unit: 120.5 GB at 0.10",
			metric: Metric{Name: "storage", Unit: "GB", Model: ModelPerUnit, UnitAmount: dp("0.10")},
			usage:  "120.5",
			want:   []string{"12.05"},
			descs:  []string{"storage: 120.5 GB × 0.10"},
		},
		{
			name:   "per unit half-even: 10 calls at 0.0125 = 0.125",
			metric: Metric{Name: "calls", Unit: "api_call", Model: ModelPerUnit, UnitAmount: dp("0.0125")},
			usage:  "10",
			want:   []string{"0.12"},
		},
		{
			name:   "zero usage costs nothing",
			metric: Metric{Name: "storage", Unit: "GB", Model: ModelGraduated, Tiers: []Tier{{UpTo: i64(10), FlatAmount: dp("5")}, {UnitAmount: dp("1")}}},
			usage:  "0",
			want:   []string{"0.00"},
			descs:  []string{"storage: 0 GB"},
		},
		{
			name:   "graduated over decimals: 10×0.20 + 2.5×0.10",
			metric: Metric{Name: "storage", Unit: "GB", Model: ModelGraduated, Tiers: []Tier{{UpTo: i64(10), UnitAmount: dp("0.20")}, {UnitAmount: dp("0.10")}}},
			usage:  "12.5",
			want:   []string{"2.00", "0.25"},
			descs:  []string{"storage tier 1: 0–10 GB", "storage tier 2: 10–12.5 GB"},
		},
		{
			name:   "volume over decimals: 10.5 is past up_to 10",
			metric: Metric{Name: "storage", Unit: "GB", Model: ModelVolume, Tiers: []Tier{{UpTo: i64(10), UnitAmount: dp("0.20")}, {UnitAmount: dp("0.10")}}},
			usage:  "10.5",
			want:   []string{"1.05"},
		},
		{
			name:   "package: a millionth over 10 GB needs a second block",
			metric: Metric{Name: "storage", Unit: "GB", Model: ModelPackage, Amount: dp("1"), PackageSize: 10},
			usage:  "10.000001",
			want:   []string{"2.00"},
		},
		{
			name:   "flat: any usage",
			metric: Metric{Name: "support", Unit: "ticket", Model: ModelFlat, Amount: dp("15")},
			usage:  "3",
			want:   []string{"15.00"},
			descs:  []string{"support: 3 ticket, flat fee"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("0"), Metrics: []Metric{tt.metric}}
			lines, err := p.Usage(tt.metric.Name, d(tt.usage))
			if err != nil {
				t.Fatal(err)
			}
			if got := lineAmounts(lines, 2); !slices.Equal(got, tt.want) {
				t.Errorf("amounts = %v, want %v", got, tt.want)
			}
			for i, l := range lines {
				if l.Kind != KindUsage {
					t.Errorf("line %d kind = %q, want usage", i, l.Kind)
				}
				if i < len(tt.descs) && l.Description != tt.descs[i] {
					t.Errorf("line %d description = %q, want %q", i, l.Description, tt.descs[i])
				}
			}
		})
	}
}

func TestMetricPriceIsExact(t *testing.T) {
	t.Parallel()
	m := Metric{Name: "calls", Unit: "api_call", Model: ModelPerUnit, UnitAmount: dp("0.0125")}
	lines, err := m.Price(d("10"))
	if err != nil {
		t.Fatal(err)
	}
	equalAmount(t, "amount", lines[0].Amount, d("0.125"))
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	p := Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("1"), Metrics: []Metric{{Name: "storage", Unit: "GB", Model: ModelPerUnit, UnitAmount: dp("0.1")}}}
	if _, err := p.Usage("nope", d("1")); !slices.Equal(errorPaths(t, err), []string{"usage.nope"}) {
		t.Errorf("unknown metric: %v", err)
	}
	if _, err := p.Usage("storage", d("-1")); !slices.Equal(errorPaths(t, err), []string{"usage.storage"}) {
		t.Errorf("negative usage: %v", err)
	}
	if _, err := p.Metrics[0].Price(d("-1")); !slices.Equal(errorPaths(t, err), []string{"usage"}) {
		t.Errorf("negative usage: %v", err)
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	metrics := []Metric{{Name: "storage", Unit: "GB", Model: ModelPerUnit, UnitAmount: dp("0.1")}}
	p := Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("1"), Metrics: metrics}
	n := p.Normalize()
	if n.Period != "P1M" || n.Term != "P1M" || n.Metrics[0].Aggregation != AggregationSum {
		t.Errorf("Normalize = period %q term %q aggregation %q", n.Period, n.Term, n.Metrics[0].Aggregation)
	}
	if metrics[0].Aggregation != "" {
		t.Error("Normalize wrote through to the caller's metrics")
	}
	p.Period = "P1Y"
	if n := p.Normalize(); n.Term != "P1Y" {
		t.Errorf("term defaults to %q, want the period P1Y", n.Term)
	}
	period, term, err := Pricing{Period: "P1M", Term: "P1Y"}.Periods()
	if err != nil || period.Months() != 1 || term.Months() != 12 {
		t.Errorf("Periods = %v, %v, %v", period, term, err)
	}
}

func TestRound(t *testing.T) {
	t.Parallel()
	tests := []struct{ amount, currency, want string }{
		{"0.125", "EUR", "0.12"},
		{"0.135", "EUR", "0.14"},
		{"0.145", "EUR", "0.14"},
		{"-0.125", "EUR", "-0.12"},
		{"12.5", "JPY", "12"},
		{"13.5", "JPY", "14"},
		{"1.0005", "KWD", "1"},
		{"1.0015", "KWD", "1.002"},
		{"0.125", "XXX", "0.12"}, // unknown: two decimals
	}
	for _, tt := range tests {
		t.Run(tt.amount+" "+tt.currency, func(t *testing.T) {
			equalAmount(t, "Round", Round(d(tt.amount), tt.currency), d(tt.want))
		})
	}
}

func TestMinorUnits(t *testing.T) {
	t.Parallel()
	want := map[string]int32{}
	for _, c := range []string{"EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "RON", "BGN", "AUD", "CAD", "NZD", "SGD", "HKD", "CNY", "INR", "BRL", "MXN", "ZAR", "TRY", "ILS"} {
		want[c] = 2
	}
	for _, c := range []string{"JPY", "KRW", "ISK", "CLP"} {
		want[c] = 0
	}
	for _, c := range []string{"BHD", "KWD", "JOD", "OMR", "TND"} {
		want[c] = 3
	}
	for c, n := range want {
		if got, ok := MinorUnits(c); !ok || got != n {
			t.Errorf("MinorUnits(%s) = %d, %v, want %d", c, got, ok, n)
		}
	}
	if _, ok := MinorUnits("eur"); ok {
		t.Error("lower-case code accepted")
	}
	if cs := Currencies(); !slices.IsSorted(cs) || !slices.Contains(cs, "EUR") {
		t.Errorf("Currencies = %v", cs)
	}
}
