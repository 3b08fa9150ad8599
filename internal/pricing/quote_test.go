package pricing

import (
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

// shareAmounts renders shares as "role=amount" for compact comparison.
func shareAmounts(shares []Share) []string {
	out := make([]string, len(shares))
	for i, s := range shares {
		out[i] = s.Role + "=" + s.Amount.StringFixed(2)
	}
	return out
}

func pct(v string) Markup   { return Markup{Kind: MarkupPercentage, Value: d(v)} }
func fixed(v string) Markup { return Markup{Kind: MarkupFixed, Value: d(v)} }
func value(v string) Markup { return Markup{Kind: MarkupValue, Value: d(v)} }

func TestQuote(t *testing.T) {
	t.Parallel()
	flat100 := Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("100")}
	seats := Pricing{Currency: "EUR", Model: ModelPerUnit, Unit: "seat", UnitAmount: dp("4.00"), SetupFee: dp("10")}
	tests := []struct {
		name    string
		pricing Pricing
		req     QuoteRequest
		lines   []string
		descs   []string
		total   string
		shares  []string
	}{
		{
			name:    "no channel, no fee",
			pricing: flat100,
			req:     QuoteRequest{Quantity: 1, VendorID: 7},
			lines:   []string{"100.00"},
			total:   "100.00",
			shares:  []string{"vendor=100.00", "platform=0.00"},
		},
		{
			name:    "distributor 10% then reseller 20% on 100 with a 20% fee",
			pricing: flat100,
			req: QuoteRequest{Quantity: 1, VendorID: 7, PlatformFeePercent: d("20"), Channel: []ChannelMarkup{
				{Role: RoleDistributor, OrganizationID: 8, Markup: pct("10")},
				{Role: RoleReseller, OrganizationID: 9, Markup: pct("20")},
			}},
			lines:  []string{"132.00"},
			total:  "132.00",
			shares: []string{"vendor=80.00", "platform=20.00", "distributor=10.00", "reseller=22.00"},
		},
		{
			name:    "setup fee on the first period",
			pricing: seats,
			req:     QuoteRequest{Quantity: 10, IncludeSetup: true, PlatformFeePercent: d("20")},
			lines:   []string{"40.00", "10.00"},
			descs:   []string{"10 seat × 4.00", "Setup fee"},
			total:   "50.00",
			shares:  []string{"vendor=40.00", "platform=10.00"},
		},
		{
			name:    "percentage markup scales unit amounts and setup",
			pricing: seats,
			req:     QuoteRequest{Quantity: 10, IncludeSetup: true, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: pct("12.5")}}},
			lines:   []string{"45.00", "11.25"},
			descs:   []string{"10 seat × 4.50", "Setup fee"},
			total:   "56.25",
			shares:  []string{"vendor=50.00", "platform=0.00", "reseller=6.25"},
		},
		{
			// Vendor 40 + setup 10; distributor ×1.1 = 44 + 11; the reseller
			// fixes 5.00 a seat = 50 and keeps the setup at 11.
			name:    "fixed reseller unit price after a distributor percentage",
			pricing: seats,
			req: QuoteRequest{Quantity: 10, IncludeSetup: true, PlatformFeePercent: d("20"), Channel: []ChannelMarkup{
				{Role: RoleDistributor, OrganizationID: 8, Markup: pct("10")},
				{Role: RoleReseller, OrganizationID: 9, Markup: fixed("5.00")},
			}},
			lines:  []string{"50.00", "11.00"},
			descs:  []string{"10 seat × 5.00", "Setup fee"},
			total:  "61.00",
			shares: []string{"vendor=40.00", "platform=10.00", "distributor=5.00", "reseller=6.00"},
		},
		{
			name:    "fixed price on a flat plan replaces the period amount",
			pricing: flat100,
			req:     QuoteRequest{Quantity: 1, PlatformFeePercent: d("20"), Channel: []ChannelMarkup{{Role: RoleReseller, Markup: fixed("120")}}},
			lines:   []string{"120.00"},
			total:   "120.00",
			shares:  []string{"vendor=80.00", "platform=20.00", "reseller=20.00"},
		},
		{
			// Graduated 9 × 5 + 6 × 3 = 63; + 0.50 a seat in each tier.
			name:    "value markup adds to each tier's unit price, keeping the tiers",
			pricing: Pricing{Currency: "EUR", Model: ModelGraduated, Unit: "seat", Tiers: cloudesireTiers()},
			req:     QuoteRequest{Quantity: 15, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: value("0.50")}}},
			lines:   []string{"49.50", "21.00"},
			total:   "70.50",
			shares:  []string{"vendor=63.00", "platform=0.00", "reseller=7.50"},
		},
		{
			// 100 × 1.1 = 110, + 15 for the period; the setup fee is the
			// distributor's.
			name:    "value markup on a flat plan adds to the period's amount",
			pricing: Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("100"), SetupFee: dp("10")},
			req: QuoteRequest{Quantity: 1, IncludeSetup: true, Channel: []ChannelMarkup{
				{Role: RoleDistributor, Markup: pct("10")},
				{Role: RoleReseller, Markup: value("15")},
			}},
			lines:  []string{"125.00", "11.00"},
			total:  "136.00",
			shares: []string{"vendor=110.00", "platform=0.00", "distributor=11.00", "reseller=15.00"},
		},
		{
			// 12 seats in 3 packages of 5 at 20: + 2.50 a package.
			name:    "value markup on a package plan adds per package",
			pricing: Pricing{Currency: "EUR", Model: ModelPackage, Unit: "seat", Amount: dp("20"), PackageSize: 5},
			req:     QuoteRequest{Quantity: 12, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: value("2.50")}}},
			lines:   []string{"67.50"},
			total:   "67.50",
			shares:  []string{"vendor=60.00", "platform=0.00", "reseller=7.50"},
		},
		{
			name: "usage passes through a fixed price and is marked up by a percentage",
			pricing: Pricing{Currency: "EUR", Model: ModelPerUnit, Unit: "seat", UnitAmount: dp("4"), Metrics: []Metric{
				{Name: "storage", Unit: "GB", Model: ModelPerUnit, UnitAmount: dp("0.10")},
			}},
			req: QuoteRequest{Quantity: 2, Usage: map[string]decimal.Decimal{"storage": d("120.5")}, Channel: []ChannelMarkup{
				{Role: RoleDistributor, Markup: fixed("5")},
				{Role: RoleReseller, Markup: pct("10")},
			}},
			// 2×4 + 12.05 → 2×5 + 12.05 → 11.00 + 13.255→13.26 (half-even: 5 after odd 5)
			lines:  []string{"11.00", "13.26"},
			descs:  []string{"2 seat × 5.50", "storage: 120.5 GB × 0.11"},
			total:  "24.26",
			shares: []string{"vendor=20.05", "platform=0.00", "distributor=2.00", "reseller=2.21"},
		},
		{
			// 0.33 × 3 = 0.99; vendor 0.99 × (1 − 0.333333) = 0.66000033 → 0.66;
			// ×1.075 = 1.06425 → 1.06; ×1.125 = 1.1925 → 1.19.
			name:    "rounding at every level still sums exactly",
			pricing: Pricing{Currency: "EUR", Model: ModelPerUnit, UnitAmount: dp("0.33")},
			req: QuoteRequest{Quantity: 3, PlatformFeePercent: d("33.3333"), Channel: []ChannelMarkup{
				{Role: RoleDistributor, Markup: pct("7.5")},
				{Role: RoleReseller, Markup: pct("12.5")},
			}},
			lines:  []string{"1.19"},
			total:  "1.19",
			shares: []string{"vendor=0.66", "platform=0.33", "distributor=0.07", "reseller=0.13"},
		},
		{
			// Lines 45.00 + 18.00 = 63; ×1.015: 45.675 → 45.68, 18.27; the
			// vendor keeps 63 × 0.875 = 55.125 → 55.12 (half-even).
			name:    "graduated lines are marked up one by one",
			pricing: Pricing{Currency: "EUR", Model: ModelGraduated, Tiers: cloudesireTiers()},
			req:     QuoteRequest{Quantity: 15, PlatformFeePercent: d("12.5"), Channel: []ChannelMarkup{{Role: RoleReseller, Markup: pct("1.5")}}},
			lines:   []string{"45.68", "18.27"},
			total:   "63.95",
			shares:  []string{"vendor=55.12", "platform=7.88", "reseller=0.95"},
		},
		{
			name:    "JPY shares round to the yen",
			pricing: Pricing{Currency: "JPY", Model: ModelFlat, Amount: dp("1001")},
			req:     QuoteRequest{PlatformFeePercent: d("15"), Channel: []ChannelMarkup{{Role: RoleReseller, Markup: pct("5")}}},
			// 1001 × 0.85 = 850.85 → 851; 1001 × 1.05 = 1051.05 → 1051.
			lines:  []string{"1051.00"},
			total:  "1051.00",
			shares: []string{"vendor=851.00", "platform=150.00", "reseller=50.00"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := tt.pricing.Quote(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got := lineAmounts(q.Lines, 2); !slices.Equal(got, tt.lines) {
				t.Errorf("lines = %v, want %v", got, tt.lines)
			}
			for i, want := range tt.descs {
				if i < len(q.Lines) && q.Lines[i].Description != want {
					t.Errorf("line %d description = %q, want %q", i, q.Lines[i].Description, want)
				}
			}
			equalAmount(t, "total", q.Total, d(tt.total))
			equalAmount(t, "total vs lines", q.Total, Total(q.Lines))
			if got := shareAmounts(q.Shares); !slices.Equal(got, tt.shares) {
				t.Errorf("shares = %v, want %v", got, tt.shares)
			}
			assertSharesSum(t, q)
			if q.Currency != tt.pricing.Currency || q.Period != "P1M" {
				t.Errorf("currency, period = %q, %q", q.Currency, q.Period)
			}
		})
	}
}

func assertSharesSum(t *testing.T, q Quote) {
	t.Helper()
	sum := decimal.Zero
	for _, s := range q.Shares {
		sum = sum.Add(s.Amount)
	}
	if !sum.Equal(q.Total) {
		t.Errorf("shares sum to %s, total is %s (%+v)", sum, q.Total, q.Shares)
	}
}

func TestQuoteShareParties(t *testing.T) {
	t.Parallel()
	p := Pricing{Currency: "EUR", Model: ModelFlat, Amount: dp("100"), TrialDays: 30, Period: "P1Y"}
	q, err := p.Quote(QuoteRequest{VendorID: 7, PlatformFeePercent: d("20"), Channel: []ChannelMarkup{
		{Role: RoleDistributor, OrganizationID: 8, Markup: pct("10")},
		{Role: RoleReseller, OrganizationID: 9, Markup: pct("0")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Share{
		{Role: RoleVendor, OrganizationID: 7, Amount: d("80")},
		{Role: RolePlatform, Amount: d("20")},
		{Role: RoleDistributor, OrganizationID: 8, Amount: d("10")},
		{Role: RoleReseller, OrganizationID: 9, Amount: d("0")},
	}
	for i, s := range q.Shares {
		if s.Role != want[i].Role || s.OrganizationID != want[i].OrganizationID || !s.Amount.Equal(want[i].Amount) {
			t.Errorf("share %d = %+v, want %+v", i, s, want[i])
		}
	}
	if q.TrialDays != 30 || q.Period != "P1Y" {
		t.Errorf("trial, period = %d, %q", q.TrialDays, q.Period)
	}
}

func TestQuoteWithUsageFromTheSpecExample(t *testing.T) {
	t.Parallel()
	p := specExample(t)
	q, err := p.Quote(QuoteRequest{Quantity: 25, IncludeSetup: true, Usage: map[string]decimal.Decimal{"storage": d("120.5")}})
	if err != nil {
		t.Fatal(err)
	}
	// Tiers 10×5 + 15×4, setup 10, storage 120.5 × 0.10.
	if got, want := lineAmounts(q.Lines, 2), []string{"50.00", "60.00", "10.00", "12.05"}; !slices.Equal(got, want) {
		t.Errorf("lines = %v, want %v", got, want)
	}
	kinds := []string{}
	for _, l := range q.Lines {
		kinds = append(kinds, l.Kind)
	}
	if want := []string{KindRecurring, KindRecurring, KindSetup, KindUsage}; !slices.Equal(kinds, want) {
		t.Errorf("kinds = %v, want %v", kinds, want)
	}
	equalAmount(t, "total", q.Total, d("132.05"))
	if q.TrialDays != 14 {
		t.Errorf("trial days = %d", q.TrialDays)
	}
}

func TestQuoteRequestValidation(t *testing.T) {
	t.Parallel()
	p := Pricing{Currency: "EUR", Model: ModelPerUnit, UnitAmount: dp("4"), Metrics: []Metric{{Name: "storage", Unit: "GB", Model: ModelPerUnit, UnitAmount: dp("0.1")}}}
	tests := []struct {
		name  string
		req   QuoteRequest
		paths []string
	}{
		{"quantity zero", QuoteRequest{}, []string{"quantity"}},
		{"unknown metric", QuoteRequest{Quantity: 1, Usage: map[string]decimal.Decimal{"cpu": d("1")}}, []string{"usage.cpu"}},
		{"negative usage", QuoteRequest{Quantity: 1, Usage: map[string]decimal.Decimal{"storage": d("-1")}}, []string{"usage.storage"}},
		{"fee above 100", QuoteRequest{Quantity: 1, PlatformFeePercent: d("100.5")}, []string{"platform_fee_percent"}},
		{"negative fee", QuoteRequest{Quantity: 1, PlatformFeePercent: d("-1")}, []string{"platform_fee_percent"}},
		{"negative percentage", QuoteRequest{Quantity: 1, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: pct("-10")}}}, []string{"channel[0].markup.value"}},
		{"negative fixed", QuoteRequest{Quantity: 1, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: fixed("-1")}}}, []string{"channel[0].markup.value"}},
		{"unknown markup kind", QuoteRequest{Quantity: 1, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: Markup{Kind: "VALUE"}}}}, []string{"channel[0].markup.kind"}},
		{"percentage beyond its bound", QuoteRequest{Quantity: 1, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: pct("1000.5")}}}, []string{"channel[0].markup.value"}},
		{"negative value", QuoteRequest{Quantity: 1, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: value("-1")}}}, []string{"channel[0].markup.value"}},
		{"unknown role", QuoteRequest{Quantity: 1, Channel: []ChannelMarkup{{Role: "vendor", Markup: pct("1")}}}, []string{"channel[0].role"}},
		{"distributor after reseller", QuoteRequest{Quantity: 1, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: pct("1")}, {Role: RoleDistributor, Markup: pct("1")}}}, []string{"channel[1].role"}},
		{"fixed below the previous level", QuoteRequest{Quantity: 10, Channel: []ChannelMarkup{{Role: RoleDistributor, Markup: pct("10")}, {Role: RoleReseller, Markup: fixed("4.00")}}}, []string{"channel[1].markup.value"}},
		{"everything at once", QuoteRequest{Usage: map[string]decimal.Decimal{"cpu": d("1")}, Channel: []ChannelMarkup{{Role: "x", Markup: pct("1")}}}, []string{"channel[0].role", "quantity", "usage.cpu"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.Quote(tt.req)
			if got := errorPaths(t, err); !slices.Equal(got, tt.paths) {
				t.Errorf("paths = %v, want %v (%v)", got, tt.paths, err)
			}
		})
	}
}

// TestQuoteRefusesFixedOnTieredModels: a fixed price would silently turn
// a graduated, volume or package plan into a per-unit one, so a version
// carrying one (set before the rule) is refused with the markup's kind
// named, not priced.
func TestQuoteRefusesFixedOnTieredModels(t *testing.T) {
	t.Parallel()
	for _, p := range []Pricing{
		{Currency: "EUR", Model: ModelGraduated, Unit: "seat", Tiers: cloudesireTiers()},
		{Currency: "EUR", Model: ModelVolume, Unit: "seat", Tiers: cloudesireTiers()},
		{Currency: "EUR", Model: ModelPackage, Unit: "seat", Amount: dp("20"), PackageSize: 5},
	} {
		_, err := p.Quote(QuoteRequest{Quantity: 15, Channel: []ChannelMarkup{{Role: RoleReseller, Markup: fixed("9")}}})
		if got := errorPaths(t, err); !slices.Equal(got, []string{"channel[0].markup.kind"}) {
			t.Errorf("%s: paths = %v (%v)", p.Model, got, err)
		}
	}
}

func TestMarkupValidate(t *testing.T) {
	t.Parallel()
	if err := pct("20").Validate(); err != nil {
		t.Error(err)
	}
	if got := errorPaths(t, fixed("1.0000001").Validate()); !slices.Equal(got, []string{"value"}) {
		t.Errorf("paths = %v", got)
	}
}
