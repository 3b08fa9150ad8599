package pricing

import (
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/shopspring/decimal"
)

// Model is how a quantity is turned into a price.
type Model string

// Pricing models; see the package documentation for their meaning.
const (
	ModelFlat      Model = "flat"      // a fixed amount per period
	ModelPerUnit   Model = "per_unit"  // quantity × unit_amount
	ModelVolume    Model = "volume"    // the tier of the whole quantity prices every unit
	ModelGraduated Model = "graduated" // each tier prices the units inside it
	ModelPackage   Model = "package"   // ceil(quantity / package_size) × amount
)

// Models lists every pricing model, in a stable order.
var Models = []Model{ModelFlat, ModelPerUnit, ModelVolume, ModelGraduated, ModelPackage}

// Valid reports whether m is a known model.
func (m Model) Valid() bool {
	switch m {
	case ModelFlat, ModelPerUnit, ModelVolume, ModelGraduated, ModelPackage:
		return true
	}
	return false
}

// Usage aggregations: how the usage records of a billing period are folded
// into the one quantity a [Metric] prices. The billing package applies them.
const (
	AggregationSum         = "sum" // the default
	AggregationMax         = "max"
	AggregationAverage     = "average"
	AggregationLast        = "last"
	AggregationUniqueCount = "unique_count"
)

// Line kinds.
const (
	KindRecurring = "recurring" // the plan's price for one period, billed in advance
	KindSetup     = "setup"     // the one-off setup fee, first period only
	KindUsage     = "usage"     // pay-per-use, billed in arrears
)

// Pricing is the price list of a plan: a recurring charge priced with one
// [Model] over a quantity (seats), an optional setup fee and trial, and
// optional usage [Metric]s. Use [Pricing.Validate] before storing one.
type Pricing struct {
	Currency               string           `json:"currency" doc:"ISO 4217 currency code, upper case, e.g. EUR" example:"EUR"`
	Period                 string           `json:"period,omitempty" doc:"Billing period as an ISO 8601 duration with one component (PnD, PnW, PnM, PnY); default P1M" example:"P1M"`
	Term                   string           `json:"term,omitempty" doc:"Commitment length as an ISO 8601 duration, a whole multiple of the period; default: the period" example:"P1Y"`
	Commitment             string           `json:"commitment,omitempty" doc:"A binding term (e.g. P1Y with a P1M period: annual commitment, monthly billing), longer than the period; the term defaults to it (and must equal it if given). A committed subscription is not terminated mid-term (the termination is scheduled for the term's end) and does not decrease seats, except within the cancellation window" example:"P1Y"`
	CancellationWindowDays int              `json:"cancellation_window_days,omitempty" minimum:"0" maximum:"30" doc:"With a commitment: the days from the start of each term during which the subscription may still be terminated at once, with a prorated refund, or its seats decreased"`
	Model                  Model            `json:"model" enum:"flat,per_unit,volume,graduated,package" doc:"How the quantity is priced"`
	Unit                   string           `json:"unit,omitempty" doc:"What the quantity counts, e.g. seat" example:"seat"`
	Amount                 *decimal.Decimal `json:"amount,omitempty" doc:"Price per period (flat) or per package (package), a decimal string"`
	UnitAmount             *decimal.Decimal `json:"unit_amount,omitempty" doc:"Price of one unit per period (per_unit), a decimal string with up to 6 decimals"`
	PackageSize            int64            `json:"package_size,omitempty" minimum:"1" doc:"Units per package (package)"`
	Tiers                  []Tier           `json:"tiers,omitempty" doc:"Price tiers in increasing order (volume and graduated); the last has up_to null"`
	SetupFee               *decimal.Decimal `json:"setup_fee,omitempty" doc:"One-off fee charged with the first period"`
	TrialDays              int              `json:"trial_days,omitempty" minimum:"0" maximum:"365" doc:"Free trial length in days"`
	MinQuantity            int64            `json:"min_quantity,omitempty" minimum:"0" doc:"Smallest quantity that may be bought; 0 means 1"`
	MaxQuantity            int64            `json:"max_quantity,omitempty" minimum:"0" doc:"Largest quantity that may be bought; 0 means no limit"`
	Metrics                []Metric         `json:"metrics,omitempty" doc:"Pay-per-use charges, billed in arrears on reported usage"`
	Prices                 []CurrencyPrice  `json:"prices,omitempty" doc:"Explicit prices in other currencies (not with metrics): a customer billed in one of them pays it, unconverted; any other customer pays the plan's price converted at the operator's exchange rate"`
}

// Tier is one price band of a volume or graduated model.
type Tier struct {
	UpTo       *int64           `json:"up_to" required:"false" nullable:"true" doc:"Last quantity in this tier (inclusive); null for the last tier, which has no upper bound"`
	UnitAmount *decimal.Decimal `json:"unit_amount,omitempty" doc:"Price of each unit in the tier"`
	FlatAmount *decimal.Decimal `json:"flat_amount,omitempty" doc:"Fixed amount added when the tier is reached"`
}

// Metric is a pay-per-use charge: reported usage of one kind (GB stored,
// API calls) aggregated over the period and priced with any [Model] over a
// decimal quantity, e.g. 12.5 GB.
type Metric struct {
	Name        string           `json:"name" pattern:"^[a-z][a-z0-9_.-]{0,63}$" doc:"Identifier usage is reported under, unique within the plan"`
	Unit        string           `json:"unit" doc:"What the usage counts, e.g. GB or api_call"`
	Aggregation string           `json:"aggregation,omitempty" enum:"sum,max,average,last,unique_count" doc:"How the period's usage records are combined; default sum"`
	Model       Model            `json:"model" enum:"flat,per_unit,volume,graduated,package" doc:"How the usage is priced"`
	Amount      *decimal.Decimal `json:"amount,omitempty" doc:"Price when there is any usage (flat) or per package (package)"`
	UnitAmount  *decimal.Decimal `json:"unit_amount,omitempty" doc:"Price of one unit of usage (per_unit), up to 6 decimals"`
	PackageSize int64            `json:"package_size,omitempty" minimum:"1" doc:"Units of usage per package (package)"`
	Tiers       []Tier           `json:"tiers,omitempty" doc:"Price tiers in increasing order (volume and graduated); the last has up_to null"`
}

// Line is one priced row of a quote or invoice. Amount is rounded to the
// currency's minor unit; UnitAmount and Quantity are informative (for a
// graduated tier or a volume tier with a flat amount, Amount also includes
// the tier's flat amount).
type Line struct {
	Description string          `json:"description" doc:"Human-readable label, e.g. 25 seat × 4.00"`
	Kind        string          `json:"kind" enum:"recurring,setup,usage" doc:"What the line charges for"`
	Quantity    decimal.Decimal `json:"quantity" doc:"Units charged, a decimal string"`
	UnitAmount  decimal.Decimal `json:"unit_amount" doc:"Price of one unit, a decimal string"`
	Amount      decimal.Decimal `json:"amount" doc:"Line total, rounded to the currency's minor unit"`
}

// Total returns the sum of the lines' amounts. Lines are already rounded,
// so the sum is not rounded again.
func Total(lines []Line) decimal.Decimal {
	total := decimal.Zero
	for _, l := range lines {
		total = total.Add(l.Amount)
	}
	return total
}

// Normalize returns a copy of p with the defaults filled in: period P1M,
// term equal to the period, and aggregation sum for every metric. It does
// not validate. The computing methods apply the same defaults themselves.
func (p Pricing) Normalize() Pricing {
	if p.Period == "" {
		p.Period = DefaultPeriod
	}
	if p.Term == "" && p.Commitment != "" {
		p.Term = p.Commitment
	}
	if p.Term == "" {
		p.Term = p.Period
	}
	if len(p.Metrics) > 0 {
		// Copy so that normalizing never writes through to the caller's slice.
		ms := make([]Metric, len(p.Metrics))
		copy(ms, p.Metrics)
		for i := range ms {
			if ms[i].Aggregation == "" {
				ms[i].Aggregation = AggregationSum
			}
		}
		p.Metrics = ms
	}
	return p
}

// Periods returns the billing period and the commitment term of p, with
// the defaults applied.
func (p Pricing) Periods() (period, term Period, err error) {
	n := p.Normalize()
	if period, err = ParsePeriod(n.Period); err != nil {
		return Period{}, Period{}, err
	}
	if term, err = ParsePeriod(n.Term); err != nil {
		return Period{}, Period{}, err
	}
	return period, term, nil
}

// MaxCancellationWindowDays bounds a commitment's cancellation window
// (Microsoft's new commerce allows 7 days).
const MaxCancellationWindowDays = 30

// Committed reports whether p binds its subscriptions for a term longer
// than its period, and the days of each term's cancellation window.
func (p Pricing) Committed() (window int, ok bool) {
	return p.CancellationWindowDays, p.Commitment != ""
}

// Recurring returns the recurring charge for one period at quantity, one
// line per tier touched for graduated and one line otherwise. A flat plan
// ignores quantity; every other model needs quantity >= 1 and within the
// plan's min_quantity and max_quantity.
func (p Pricing) Recurring(quantity int64) ([]Line, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := p.checkQuantity(quantity); err != nil {
		return nil, err
	}
	minor := minorOf(p.Currency)
	return finish(p.recurring(quantity, minor), minor), nil
}

// Usage prices usage of the metric named name for one period, rounded to
// the plan's currency. Zero usage gives one zero line.
func (p Pricing) Usage(name string, usage decimal.Decimal) ([]Line, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	m, ok := p.metric(name)
	if !ok {
		return nil, mercato.Invalid("invalid usage", mercato.FieldError{
			Path: "usage." + name, Message: "the plan has no metric with this name", Value: name})
	}
	path := "usage." + name
	if msg := checkUsage(usage); msg != "" {
		return nil, mercato.Invalid("invalid usage", mercato.FieldError{Path: path, Message: msg, Value: usage.String()})
	}
	minor := minorOf(p.Currency)
	return finish(m.price(usage, minor), minor), nil
}

// Price prices usage of m for one period over a decimal quantity. A metric
// does not know its plan's currency, so the amounts are exact, not
// rounded; use [Pricing.Usage] for charged, rounded lines. Zero usage
// gives one zero line; negative usage is an error.
func (m Metric) Price(usage decimal.Decimal) ([]Line, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	if msg := checkUsage(usage); msg != "" {
		return nil, mercato.Invalid("invalid usage", mercato.FieldError{Path: "usage", Message: msg, Value: usage.String()})
	}
	return finish(m.price(usage, noRounding), noRounding), nil
}

// metric finds a metric by name.
func (p Pricing) metric(name string) (Metric, bool) {
	for _, m := range p.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// checkQuantity enforces the bounds of a seat quantity.
func (p Pricing) checkQuantity(q int64) error {
	if p.Model == ModelFlat {
		return nil
	}
	var fe mercato.FieldErrors
	switch {
	case q < 1:
		fe.Add("quantity", "must be at least 1")
	case p.MinQuantity > 0 && q < p.MinQuantity:
		fe.Add("quantity", "must be at least the plan's minimum of %d", p.MinQuantity)
	case p.MaxQuantity > 0 && q > p.MaxQuantity:
		fe.Add("quantity", "must be at most the plan's maximum of %d", p.MaxQuantity)
	}
	return fe.Err("invalid quantity")
}

// recurring prices a validated plan at a checked quantity.
func (p Pricing) recurring(q int64, minor int32) []draft {
	unit := p.Unit
	if unit == "" {
		unit = "unit"
	}
	return p.spec().price(decimal.NewFromInt(q), labeler{unit: unit}, KindRecurring, minor)
}

// price prices a validated metric at a checked usage.
func (m Metric) price(usage decimal.Decimal, minor int32) []draft {
	l := labeler{metric: m.Name, unit: m.Unit}
	if usage.IsZero() {
		// No usage costs nothing, whatever the model: a flat metric or a
		// tier's flat_amount is only due once the metric is used.
		return []draft{{kind: KindUsage, label: l.quantity(usage), qty: usage}}
	}
	return m.spec().price(usage, l, KindUsage, minor)
}

// priceSpec is the part shared by a plan's recurring price and a metric.
type priceSpec struct {
	model       Model
	amount      *decimal.Decimal
	unitAmount  *decimal.Decimal
	packageSize int64
	tiers       []Tier
}

func (p Pricing) spec() priceSpec {
	return priceSpec{p.Model, p.Amount, p.UnitAmount, p.PackageSize, p.Tiers}
}

func (m Metric) spec() priceSpec {
	return priceSpec{m.Model, m.Amount, m.UnitAmount, m.PackageSize, m.Tiers}
}

// price applies the model to a positive quantity. The spec is validated,
// so the fields its model needs are present.
func (s priceSpec) price(q decimal.Decimal, l labeler, kind string, minor int32) []draft {
	switch s.model {
	case ModelFlat:
		a := *s.amount
		return []draft{{kind: kind, label: l.flat(q), qty: decimal.NewFromInt(1), unit: a, amount: round(a, minor)}}
	case ModelPerUnit:
		u := *s.unitAmount
		return []draft{{kind: kind, label: l.quantity(q), times: true, qty: q, unit: u, amount: round(q.Mul(u), minor)}}
	case ModelPackage:
		size := decimal.NewFromInt(s.packageSize)
		// QuoRem is exact, unlike Div, whose 16-digit quotient could round
		// 10.000…01 / 10 down to exactly 1 and lose a package.
		blocks, rem := q.QuoRem(size, 0)
		if rem.Sign() > 0 {
			blocks = blocks.Add(decimal.NewFromInt(1))
		}
		a := *s.amount
		label := fmt.Sprintf("%s in %s packages of %d", l.quantity(q), blocks, s.packageSize)
		return []draft{{kind: kind, label: label, times: true, qty: blocks, unit: a, amount: round(blocks.Mul(a), minor)}}
	case ModelVolume:
		for _, t := range s.tiers {
			if t.UpTo != nil && q.GreaterThan(decimal.NewFromInt(*t.UpTo)) {
				continue
			}
			u, f := orZero(t.UnitAmount), orZero(t.FlatAmount)
			return []draft{{kind: kind, label: l.quantity(q), times: true, qty: q, unit: u, flat: f, amount: round(q.Mul(u).Add(f), minor)}}
		}
	case ModelGraduated:
		var lines []draft
		prev := decimal.Zero
		for i, t := range s.tiers {
			if q.LessThanOrEqual(prev) {
				break
			}
			top := q
			if t.UpTo != nil {
				top = decimal.Min(q, decimal.NewFromInt(*t.UpTo))
			}
			units := top.Sub(prev)
			u, f := orZero(t.UnitAmount), orZero(t.FlatAmount)
			lines = append(lines, draft{kind: kind, label: l.tier(i, prev, top), qty: units, unit: u, amount: round(units.Mul(u).Add(f), minor)})
			prev = top
		}
		return lines
	}
	// Unreachable for a validated spec; an empty result is safer than a panic.
	return nil
}

func orZero(d *decimal.Decimal) decimal.Decimal {
	if d == nil {
		return decimal.Zero
	}
	return *d
}

// noRounding, as a minor unit, keeps amounts exact (see [Metric.Price]).
const noRounding int32 = -1

func round(d decimal.Decimal, minor int32) decimal.Decimal {
	if minor == noRounding {
		return d
	}
	return d.RoundBank(minor)
}

// draft is a line under construction. Descriptions are built last, from
// label and the final unit amount, so that a channel markup that changes
// the unit amount also changes the text the customer reads.
type draft struct {
	kind   string
	label  string // the description without prices
	times  bool   // append " × unit" (and " + flat" when flat is not zero)
	qty    decimal.Decimal
	unit   decimal.Decimal
	flat   decimal.Decimal // a volume tier's flat amount, for the description only
	amount decimal.Decimal // rounded, except under noRounding
}

// finish turns drafts into lines.
func finish(ds []draft, minor int32) []Line {
	lines := make([]Line, len(ds))
	for i, d := range ds {
		desc := d.label
		if d.times {
			desc += " × " + formatMoney(d.unit, minor)
			if !d.flat.IsZero() {
				desc += " + " + formatMoney(d.flat, minor)
			}
		}
		lines[i] = Line{Description: desc, Kind: d.kind, Quantity: d.qty, UnitAmount: d.unit, Amount: d.amount}
	}
	return lines
}

// formatMoney shows an amount with the currency's decimals ("4.00"), or
// with all of its own when it has more ("0.0125").
func formatMoney(d decimal.Decimal, minor int32) string {
	if minor < 0 {
		minor = fallbackMinorUnits
	}
	if !d.Equal(d.Truncate(minor)) {
		return d.String()
	}
	return d.StringFixed(minor)
}

// labeler writes the price-free part of line descriptions: "25 seat" for
// a plan, "storage: 120.5 GB" for a metric.
type labeler struct {
	metric string // "" for the recurring charge
	unit   string
}

func (l labeler) quantity(q decimal.Decimal) string {
	s := q.String()
	if l.unit != "" {
		s += " " + l.unit
	}
	if l.metric != "" {
		return l.metric + ": " + s
	}
	return s
}

func (l labeler) flat(q decimal.Decimal) string {
	if l.metric != "" {
		return l.quantity(q) + ", flat fee"
	}
	return "Recurring fee"
}

// tier labels the units (from, to] of tier i. Seats are whole, so a plan
// says "units 1–10"; usage is continuous, so a metric says "0–10 GB".
func (l labeler) tier(i int, from, to decimal.Decimal) string {
	if l.metric == "" {
		return fmt.Sprintf("Tier %d: units %s–%s", i+1, from.Add(decimal.NewFromInt(1)), to)
	}
	s := fmt.Sprintf("%s tier %d: %s–%s", l.metric, i+1, from, to)
	if l.unit != "" {
		s += " " + l.unit
	}
	return s
}
