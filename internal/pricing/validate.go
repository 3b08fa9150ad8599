package pricing

import (
	"fmt"
	"regexp"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/shopspring/decimal"
)

// Limits on amounts. Six decimals are enough for any unit price quoted in
// practice (0.000125 per API call) and the integer bound keeps arithmetic
// on hostile input (1e999999999) cheap.
const (
	maxAmountDecimals  = 6
	maxAmountIntDigits = 12 // amounts are below 10^12
	maxUsageDecimals   = 18 // meters report fractions of hours and GB
	maxUsageIntDigits  = 15
	maxTrialDays       = 365
)

// modelFields says which price fields each model uses; every other price
// field must be absent, so a plan never carries a price that is ignored.
var modelFields = map[Model]struct{ amount, unitAmount, packageSize, tiers bool }{
	ModelFlat:      {amount: true},
	ModelPerUnit:   {unitAmount: true},
	ModelVolume:    {tiers: true},
	ModelGraduated: {tiers: true},
	ModelPackage:   {amount: true, packageSize: true},
}

var metricName = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// Validate checks p and reports every problem as a [mercato.FieldError]
// with a path relative to the pricing object, in a [mercato.Invalid]
// error. Defaults (see [Pricing.Normalize]) count as given.
func (p Pricing) Validate() error {
	var fe mercato.FieldErrors
	p.validate(&fe)
	return fe.Err("invalid pricing")
}

// Validate checks m on its own, with paths relative to the metric
// ("tiers[0].up_to").
func (m Metric) Validate() error {
	var fe mercato.FieldErrors
	m.validate(&fe, "")
	return fe.Err("invalid metric")
}

func (p Pricing) validate(fe *mercato.FieldErrors) {
	switch {
	case p.Currency == "":
		fe.Add("currency", "is required")
	default:
		if _, ok := MinorUnits(p.Currency); !ok {
			fe.Add("currency", "unknown ISO 4217 currency code %q", p.Currency)
		}
	}

	n := p.Normalize()
	period, perr := ParsePeriod(n.Period)
	if perr != nil {
		fe.Add("period", "%v", perr)
	}
	// An empty term defaults to the period; report a bad period once.
	if p.Term != "" {
		term, terr := ParsePeriod(p.Term)
		switch {
		case terr != nil:
			fe.Add("term", "%v", terr)
		case perr == nil:
			if err := fitsTerm(period, term); err != nil {
				fe.Add("term", "%v", err)
			}
		}
	}

	if p.Commitment != "" {
		c, cerr := ParsePeriod(p.Commitment)
		switch {
		case cerr != nil:
			fe.Add("commitment", "%v", cerr)
		case p.Term != "" && p.Term != p.Commitment:
			fe.Add("term", "must equal the commitment %s (or be left out)", p.Commitment)
		case perr == nil && c == period:
			fe.Add("commitment", "must be longer than the period %s", period)
		case perr == nil:
			if err := fitsTerm(period, c); err != nil {
				fe.Add("commitment", "%v", err)
			}
		}
	}
	switch {
	case p.CancellationWindowDays < 0 || p.CancellationWindowDays > MaxCancellationWindowDays:
		fe.Add("cancellation_window_days", "must be between 0 and %d", MaxCancellationWindowDays)
	case p.CancellationWindowDays > 0 && p.Commitment == "":
		fe.Add("cancellation_window_days", "applies only to a plan with a commitment")
	}

	validateSpec(fe, "", p.spec())
	checkAmount(fe, "setup_fee", p.SetupFee)

	if p.TrialDays < 0 || p.TrialDays > maxTrialDays {
		fe.Add("trial_days", "must be between 0 and %d", maxTrialDays)
	}
	if p.MinQuantity < 0 {
		fe.Add("min_quantity", "must not be negative")
	}
	if p.MaxQuantity < 0 {
		fe.Add("max_quantity", "must not be negative")
	}
	if p.MinQuantity > 0 && p.MaxQuantity > 0 && p.MinQuantity > p.MaxQuantity {
		fe.Add("max_quantity", "must not be less than min_quantity (%d)", p.MinQuantity)
	}
	if p.Model == ModelFlat {
		// A flat price ignores the quantity, so bounds on it would mislead.
		if p.MinQuantity != 0 {
			fe.Add("min_quantity", "does not apply to the flat model")
		}
		if p.MaxQuantity != 0 {
			fe.Add("max_quantity", "does not apply to the flat model")
		}
	}

	p.validatePrices(fe)

	seen := make(map[string]int, len(p.Metrics))
	for i, m := range p.Metrics {
		prefix := fmt.Sprintf("metrics[%d].", i)
		m.validate(fe, prefix)
		if j, dup := seen[m.Name]; dup && m.Name != "" {
			fe.Add(prefix+"name", "duplicates the name of metrics[%d]", j)
		} else {
			seen[m.Name] = i
		}
	}
}

func (m Metric) validate(fe *mercato.FieldErrors, prefix string) {
	switch {
	case m.Name == "":
		fe.Add(prefix+"name", "is required")
	case !metricName.MatchString(m.Name):
		fe.Add(prefix+"name", "must start with a lower-case letter and contain only a-z, 0-9, '_', '.', '-' (at most 64 characters)")
	}
	if m.Unit == "" {
		fe.Add(prefix+"unit", "is required")
	}
	switch m.Aggregation {
	case "", AggregationSum, AggregationMax, AggregationAverage, AggregationLast, AggregationUniqueCount:
	default:
		fe.Add(prefix+"aggregation", "must be one of sum, max, average, last, unique_count")
	}
	validateSpec(fe, prefix, m.spec())
}

// validateSpec checks the model and that exactly the fields it uses are set.
func validateSpec(fe *mercato.FieldErrors, prefix string, s priceSpec) {
	if s.model == "" {
		fe.Add(prefix+"model", "is required")
	} else if !s.model.Valid() {
		fe.Add(prefix+"model", "must be one of flat, per_unit, volume, graduated, package")
	}
	need, known := modelFields[s.model]
	// field reports a field that is missing or does not belong; with an
	// unknown model only the model itself is reported.
	field := func(name string, set, wanted bool) {
		switch {
		case !known:
		case wanted && !set:
			fe.Add(prefix+name, "is required by the %s model", s.model)
		case !wanted && set:
			fe.Add(prefix+name, "does not apply to the %s model", s.model)
		}
	}
	field("amount", s.amount != nil, need.amount)
	field("unit_amount", s.unitAmount != nil, need.unitAmount)
	field("package_size", s.packageSize != 0, need.packageSize)
	field("tiers", len(s.tiers) > 0, need.tiers)

	checkAmount(fe, prefix+"amount", s.amount)
	checkAmount(fe, prefix+"unit_amount", s.unitAmount)
	if s.packageSize < 0 {
		fe.Add(prefix+"package_size", "must be at least 1")
	}
	// Tiers are checked even when they do not belong, so that every
	// problem is reported at once.
	var prev int64
	for i, t := range s.tiers {
		p := fmt.Sprintf("%stiers[%d].", prefix, i)
		last := i == len(s.tiers)-1
		switch {
		case t.UpTo == nil && !last:
			fe.Add(p+"up_to", "only the last tier may be unbounded (null)")
		case t.UpTo != nil && last:
			fe.Add(p+"up_to", "the last tier must be unbounded (null)")
		case t.UpTo != nil && *t.UpTo < 1:
			fe.Add(p+"up_to", "must be at least 1")
		case t.UpTo != nil && *t.UpTo <= prev:
			fe.Add(p+"up_to", "must be greater than the previous tier's up_to (%d)", prev)
		}
		if t.UpTo != nil && *t.UpTo > prev {
			prev = *t.UpTo
		}
		if t.UnitAmount == nil && t.FlatAmount == nil {
			fe.Add(p+"unit_amount", "a tier needs unit_amount, flat_amount or both")
		}
		checkAmount(fe, p+"unit_amount", t.UnitAmount)
		checkAmount(fe, p+"flat_amount", t.FlatAmount)
	}
}

// checkAmount reports an amount that is negative, too precise or too large.
func checkAmount(fe *mercato.FieldErrors, path string, d *decimal.Decimal) {
	if d == nil {
		return
	}
	if msg := checkDecimal(*d, maxAmountDecimals, maxAmountIntDigits); msg != "" {
		fe.Add(path, "%s", msg)
	}
}

// checkUsage reports a usage quantity that cannot be priced.
func checkUsage(d decimal.Decimal) string {
	return checkDecimal(d, maxUsageDecimals, maxUsageIntDigits)
}

// CheckUsage returns why usage u cannot be priced by a metric (negative,
// too large, too many decimals), or "": what usage reports are checked
// against where they enter, so that none is accepted that a billing run
// could not price.
func CheckUsage(u decimal.Decimal) string { return checkUsage(u) }

// checkDecimal returns why d is not a non-negative number below
// 10^intDigits with at most decimals decimal places, or "". It looks at
// the exponent before doing any arithmetic, because shopspring rescales to
// a common exponent and "1e-999999999" would otherwise take forever.
func checkDecimal(d decimal.Decimal, decimals int32, intDigits int) string {
	if d.Sign() < 0 {
		return "must not be negative"
	}
	exp, digits := int64(d.Exponent()), int64(d.NumDigits())
	if exp+digits > int64(intDigits) {
		return fmt.Sprintf("must be less than 1e%d", intDigits)
	}
	if -exp > int64(decimals) {
		// The coefficient has `digits` digits, so it cannot end in more
		// zeros than that: beyond, some dropped digit is not zero.
		if -exp-int64(decimals) >= digits && !d.IsZero() || -exp-int64(decimals) > 64 {
			return fmt.Sprintf("must have at most %d decimal places", decimals)
		}
		if !d.Equal(d.Truncate(decimals)) {
			return fmt.Sprintf("must have at most %d decimal places", decimals)
		}
	}
	return ""
}
