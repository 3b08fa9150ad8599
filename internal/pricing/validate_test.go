package pricing

import (
	"slices"
	"strings"
	"testing"
)

// validPlan returns a plan that passes Validate; each case breaks one rule.
func validPlan() Pricing {
	return Pricing{
		Currency: "EUR",
		Period:   "P1M",
		Model:    ModelGraduated,
		Unit:     "seat",
		Tiers: []Tier{
			{UpTo: i64(10), UnitAmount: dp("5.00"), FlatAmount: dp("0")},
			{UnitAmount: dp("4.00")},
		},
		SetupFee:  dp("10.00"),
		TrialDays: 14,
		Metrics: []Metric{
			{Name: "storage", Unit: "GB", Model: ModelPerUnit, UnitAmount: dp("0.10")},
			{Name: "api.calls", Unit: "api_call", Aggregation: AggregationSum, Model: ModelPackage, Amount: dp("1"), PackageSize: 1000},
		},
	}
}

func TestValidateAcceptsValidPlans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Pricing)
	}{
		{"the base plan", func(p *Pricing) {}},
		{"defaults for period and term", func(p *Pricing) { p.Period, p.Term = "", "" }},
		{"yearly term on a monthly plan", func(p *Pricing) { p.Term = "P1Y" }},
		{"quarterly period, yearly term", func(p *Pricing) { p.Period, p.Term = "P3M", "P12M" }},
		{"weekly period, 4-week term", func(p *Pricing) { p.Period, p.Term = "P2W", "P28D" }},
		{"annual commitment, monthly billing", func(p *Pricing) { p.Commitment, p.CancellationWindowDays = "P1Y", 7 }},
		{"commitment and the same term", func(p *Pricing) { p.Commitment, p.Term, p.CancellationWindowDays = "P1Y", "P1Y", 30 }},
		{"flat", func(p *Pricing) { *p = Pricing{Currency: "USD", Model: ModelFlat, Amount: dp("9.99")} }},
		{"free flat", func(p *Pricing) { *p = Pricing{Currency: "USD", Model: ModelFlat, Amount: dp("0")} }},
		{"per unit with bounds", func(p *Pricing) {
			*p = Pricing{Currency: "JPY", Model: ModelPerUnit, UnitAmount: dp("500"), MinQuantity: 1, MaxQuantity: 1}
		}},
		{"six decimals", func(p *Pricing) { p.Tiers[0].UnitAmount = dp("0.000125") }},
		{"trailing zeros beyond six decimals", func(p *Pricing) { p.Tiers[0].UnitAmount = dp("1.50000000") }},
		{"volume with a flat-only tier", func(p *Pricing) { p.Model = ModelVolume; p.Tiers[0].UnitAmount = nil }},
		{"trial of a year", func(p *Pricing) { p.TrialDays = 365 }},
		{"every aggregation", func(p *Pricing) { p.Metrics[0].Aggregation = AggregationUniqueCount }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPlan()
			tt.mutate(&p)
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*Pricing)
		paths  []string
	}{
		{"currency missing", func(p *Pricing) { p.Currency = "" }, []string{"currency"}},
		{"currency unknown", func(p *Pricing) { p.Currency = "XYZ" }, []string{"currency"}},
		{"currency lower case", func(p *Pricing) { p.Currency = "eur" }, []string{"currency"}},
		{"period malformed", func(p *Pricing) { p.Period = "1M" }, []string{"period"}},
		{"period with two components", func(p *Pricing) { p.Period = "P1Y2M" }, []string{"period"}},
		{"period of hours", func(p *Pricing) { p.Period = "PT1H" }, []string{"period"}},
		{"period of zero", func(p *Pricing) { p.Period = "P0M" }, []string{"period"}},
		{"term malformed", func(p *Pricing) { p.Term = "P1X" }, []string{"term"}},
		{"term not a multiple of the period", func(p *Pricing) { p.Period, p.Term = "P3M", "P4M" }, []string{"term"}},
		{"term shorter than the period", func(p *Pricing) { p.Period, p.Term = "P1Y", "P1M" }, []string{"term"}},
		{"term in days, period in months", func(p *Pricing) { p.Term = "P30D" }, []string{"term"}},
		{"commitment of one period", func(p *Pricing) { p.Commitment = "P1M" }, []string{"commitment"}},
		{"commitment malformed", func(p *Pricing) { p.Commitment = "1Y" }, []string{"commitment"}},
		{"commitment not the term", func(p *Pricing) { p.Commitment, p.Term = "P1Y", "P2Y" }, []string{"term"}},
		{"window beyond 30 days", func(p *Pricing) { p.Commitment, p.CancellationWindowDays = "P1Y", 31 }, []string{"cancellation_window_days"}},
		{"negative window", func(p *Pricing) { p.Commitment, p.CancellationWindowDays = "P1Y", -1 }, []string{"cancellation_window_days"}},
		{"window without a commitment", func(p *Pricing) { p.CancellationWindowDays = 7 }, []string{"cancellation_window_days"}},
		{"model missing", func(p *Pricing) { p.Model = "" }, []string{"model"}},
		{"model unknown", func(p *Pricing) { p.Model = "tiered" }, []string{"model"}},
		{"flat without amount", func(p *Pricing) { p.Model, p.Tiers = ModelFlat, nil }, []string{"amount"}},
		{"tiers on flat", func(p *Pricing) { p.Model, p.Amount = ModelFlat, dp("5") }, []string{"tiers"}},
		{"unit_amount on flat", func(p *Pricing) { p.Model, p.Amount, p.Tiers, p.UnitAmount = ModelFlat, dp("5"), nil, dp("1") }, []string{"unit_amount"}},
		{"min_quantity on flat", func(p *Pricing) { p.Model, p.Amount, p.Tiers, p.MinQuantity = ModelFlat, dp("5"), nil, 2 }, []string{"min_quantity"}},
		{"per unit without unit_amount", func(p *Pricing) { p.Model, p.Tiers = ModelPerUnit, nil }, []string{"unit_amount"}},
		{"package_size on per unit", func(p *Pricing) { p.Model, p.Tiers, p.UnitAmount, p.PackageSize = ModelPerUnit, nil, dp("1"), 5 }, []string{"package_size"}},
		{"package without package_size", func(p *Pricing) { p.Model, p.Tiers, p.Amount = ModelPackage, nil, dp("20") }, []string{"package_size"}},
		{"package with negative package_size", func(p *Pricing) { p.Model, p.Tiers, p.Amount, p.PackageSize = ModelPackage, nil, dp("20"), -10 }, []string{"package_size"}},
		{"package without amount", func(p *Pricing) { p.Model, p.Tiers, p.PackageSize = ModelPackage, nil, 10 }, []string{"amount"}},
		{"volume without tiers", func(p *Pricing) { p.Model, p.Tiers = ModelVolume, nil }, []string{"tiers"}},
		{"amount on graduated", func(p *Pricing) { p.Amount = dp("1") }, []string{"amount"}},
		{"up_to not increasing", func(p *Pricing) {
			p.Tiers = []Tier{{UpTo: i64(10), UnitAmount: dp("5")}, {UpTo: i64(10), UnitAmount: dp("4")}, {UnitAmount: dp("3")}}
		}, []string{"tiers[1].up_to"}},
		{"null up_to before the last tier", func(p *Pricing) {
			p.Tiers = []Tier{{UnitAmount: dp("5")}, {UnitAmount: dp("4")}}
		}, []string{"tiers[0].up_to"}},
		{"last tier bounded", func(p *Pricing) { p.Tiers[1].UpTo = i64(20) }, []string{"tiers[1].up_to"}},
		{"up_to zero", func(p *Pricing) { p.Tiers[0].UpTo = i64(0) }, []string{"tiers[0].up_to"}},
		{"tier without amounts", func(p *Pricing) { p.Tiers[1].UnitAmount = nil }, []string{"tiers[1].unit_amount"}},
		{"negative unit amount", func(p *Pricing) { p.Tiers[0].UnitAmount = dp("-1") }, []string{"tiers[0].unit_amount"}},
		{"negative flat amount", func(p *Pricing) { p.Tiers[0].FlatAmount = dp("-0.01") }, []string{"tiers[0].flat_amount"}},
		{"seven decimals", func(p *Pricing) { p.Tiers[1].UnitAmount = dp("0.0000001") }, []string{"tiers[1].unit_amount"}},
		{"absurdly precise", func(p *Pricing) { p.Tiers[1].UnitAmount = dp("1e-9999") }, []string{"tiers[1].unit_amount"}},
		{"too large", func(p *Pricing) { p.Tiers[1].UnitAmount = dp("1000000000000") }, []string{"tiers[1].unit_amount"}},
		{"absurdly large", func(p *Pricing) { p.Tiers[1].UnitAmount = dp("1e9999") }, []string{"tiers[1].unit_amount"}},
		{"negative setup fee", func(p *Pricing) { p.SetupFee = dp("-10") }, []string{"setup_fee"}},
		{"trial too long", func(p *Pricing) { p.TrialDays = 366 }, []string{"trial_days"}},
		{"trial negative", func(p *Pricing) { p.TrialDays = -1 }, []string{"trial_days"}},
		{"min_quantity negative", func(p *Pricing) { p.MinQuantity = -1 }, []string{"min_quantity"}},
		{"max_quantity negative", func(p *Pricing) { p.MaxQuantity = -1 }, []string{"max_quantity"}},
		{"min above max", func(p *Pricing) { p.MinQuantity, p.MaxQuantity = 10, 5 }, []string{"max_quantity"}},
		{"metric name missing", func(p *Pricing) { p.Metrics[0].Name = "" }, []string{"metrics[0].name"}},
		{"metric name malformed", func(p *Pricing) { p.Metrics[0].Name = "Storage GB" }, []string{"metrics[0].name"}},
		{"metric name duplicated", func(p *Pricing) { p.Metrics[1].Name = "storage" }, []string{"metrics[1].name"}},
		{"metric unit missing", func(p *Pricing) { p.Metrics[0].Unit = "" }, []string{"metrics[0].unit"}},
		{"metric aggregation unknown", func(p *Pricing) { p.Metrics[0].Aggregation = "median" }, []string{"metrics[0].aggregation"}},
		{"metric model missing", func(p *Pricing) { p.Metrics[0].Model = "" }, []string{"metrics[0].model"}},
		{"metric without unit_amount", func(p *Pricing) { p.Metrics[0].UnitAmount = nil }, []string{"metrics[0].unit_amount"}},
		{"metric unit_amount with seven decimals", func(p *Pricing) { p.Metrics[0].UnitAmount = dp("0.1234567") }, []string{"metrics[0].unit_amount"}},
		{"metric package without size", func(p *Pricing) { p.Metrics[1].PackageSize = 0 }, []string{"metrics[1].package_size"}},
		{"metric tiers on per unit", func(p *Pricing) { p.Metrics[0].Tiers = []Tier{{UnitAmount: dp("1")}} }, []string{"metrics[0].tiers"}},
		{"metric tier up_to", func(p *Pricing) {
			p.Metrics[0] = Metric{Name: "storage", Unit: "GB", Model: ModelVolume, Tiers: []Tier{{UpTo: i64(-5), UnitAmount: dp("1")}, {UnitAmount: dp("1")}}}
		}, []string{"metrics[0].tiers[0].up_to"}},
		{"every problem is reported", func(p *Pricing) {
			p.Currency, p.TrialDays, p.Tiers[0].UpTo, p.Metrics[0].Name = "", 400, nil, "9"
		}, []string{"currency", "metrics[0].name", "tiers[0].up_to", "trial_days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validPlan()
			tt.mutate(&p)
			got := errorPaths(t, p.Validate())
			want := slices.Clone(tt.paths)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("paths = %v, want %v (%v)", got, want, p.Validate())
			}
		})
	}
}

func TestValidateMessagesAreReadable(t *testing.T) {
	t.Parallel()
	p := validPlan()
	p.Model, p.Tiers = ModelPerUnit, nil
	err := p.Validate()
	if err == nil || !strings.Contains(err.Error(), "unit_amount: is required by the per_unit model") {
		t.Errorf("error = %v", err)
	}
}

func TestMetricValidatePathsAreRelative(t *testing.T) {
	t.Parallel()
	m := Metric{Name: "storage", Unit: "GB", Model: ModelPerUnit}
	if got := errorPaths(t, m.Validate()); !slices.Equal(got, []string{"unit_amount"}) {
		t.Errorf("paths = %v, want [unit_amount]", got)
	}
}
