package web

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/catalog"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// planForm is the plan editor: every pricing model, the period and term
// chosen from words, tiers and pay-per-use metrics as rows of fields (no
// JSON), and each error beside the field it is about.
type planForm struct {
	ID, ProductID                         int64
	Name, Description                     string
	Currency, Period, Term, Model, Unit   string
	Commitment, CancellationWindowDays    string
	Amount, UnitAmount, SetupFee          string
	PackageSize, MinQuantity, MaxQuantity string
	TrialDays                             string
	Tiers                                 []tierRow
	Metrics                               []metricRow
	Prices                                []currencyRow // the plan's explicit prices in other currencies
	Quantities                            string        // for the preview
	Models                                []pricing.Model
	Preview                               []previewRow
	// Error sums up why the plan was refused; Errors holds each field's
	// message by its path (period, tiers[1].up_to, metrics[0].name).
	Error  string
	Errors map[string]string
}

// tierRow is one tier of the editor's tier table.
type tierRow struct{ UpTo, UnitAmount, FlatAmount string }

// metricRow is one pay-per-use metric of the editor; its own tiers (volume
// and graduated) are written "UP_TO UNIT_AMOUNT [FLAT_AMOUNT]" separated
// by semicolons, * for the last.
type metricRow struct {
	Name, Unit, Aggregation, Model, Amount, UnitAmount, PackageSize, Tiers string
}

// currencyRow is the plan's explicit price in another currency: the amounts
// of the plan's model, its tiers written as a metric's are.
type currencyRow struct {
	Currency, Amount, UnitAmount, SetupFee, Tiers string
}

type previewRow struct {
	Quantity int64
	Quote    *pricing.Quote
	Error    string
}

var models = []pricing.Model{pricing.ModelFlat, pricing.ModelPerUnit, pricing.ModelVolume, pricing.ModelGraduated, pricing.ModelPackage}

// aggregations are a metric's ways of combining a period's usage.
var aggregations = []string{"sum", "max", "average", "last", "unique_count"}

// The choices of the period, term and commitment menus (ISO 8601, shown in
// words); a plan's own other value is added to its menu.
var (
	periodChoices     = []string{"P1M", "P3M", "P6M", "P1Y"}
	termChoices       = []string{"P1M", "P3M", "P6M", "P1Y", "P2Y", "P3Y"}
	commitmentChoices = []string{"P1Y", "P2Y", "P3Y"}
)

// Blank rows offered after a plan's own tiers and metrics.
const (
	blankTiers   = 2
	blankMetrics = 1
	blankPrices  = 1
	maxRows      = 20
)

// Menus returns the choices of the period (name "period"), term or
// commitment menu with the form's value among them.
func (f planForm) Menus(name string) []string {
	var choices []string
	var current string
	switch name {
	case "period":
		choices, current = periodChoices, f.Period
	case "term":
		choices, current = termChoices, f.Term
	default:
		choices, current = commitmentChoices, f.Commitment
	}
	if current != "" && !slices.Contains(choices, current) {
		choices = append(slices.Clone(choices), current)
	}
	return choices
}

// Aggregations lists a metric's aggregations.
func (planForm) Aggregations() []string { return aggregations }

// Err is the message of the field at path ("" when none).
func (f planForm) Err(path string) string { return f.Errors[path] }

// RowErr is the messages of the fields of row i of a list (tiers,
// metrics), each named by its field.
func (f planForm) RowErr(list string, i int) string {
	prefix := fmt.Sprintf("%s[%d].", list, i)
	var out []string
	for path, msg := range f.Errors {
		if strings.HasPrefix(path, prefix) {
			out = append(out, strings.TrimPrefix(path, prefix)+": "+msg)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

// withBlankRows offers empty rows after the plan's own tiers and metrics.
func (f *planForm) withBlankRows() {
	for range blankTiers {
		if len(f.Tiers) < maxRows {
			f.Tiers = append(f.Tiers, tierRow{})
		}
	}
	for range blankMetrics {
		if len(f.Metrics) < maxRows {
			f.Metrics = append(f.Metrics, metricRow{})
		}
	}
	for range blankPrices {
		if len(f.Prices) < maxRows {
			f.Prices = append(f.Prices, currencyRow{})
		}
	}
}

func formOfPlan(pl catalog.Plan) planForm {
	p := pl.Pricing
	f := planForm{ID: pl.ID, ProductID: pl.ProductID, Name: pl.Name, Description: pl.Description, Currency: p.Currency, Period: p.Period,
		Term: p.Term, Commitment: p.Commitment, Model: string(p.Model), Unit: p.Unit, Quantities: "1, 5, 10, 25, 100", Models: models}
	if p.Commitment != "" && p.Term == p.Commitment {
		f.Term = "" // the term follows the commitment
	}
	f.Amount, f.UnitAmount, f.SetupFee = decText(p.Amount), decText(p.UnitAmount), decText(p.SetupFee)
	f.PackageSize, f.MinQuantity, f.MaxQuantity = intText(p.PackageSize), intText(p.MinQuantity), intText(p.MaxQuantity)
	f.TrialDays, f.CancellationWindowDays = intText(int64(p.TrialDays)), intText(int64(p.CancellationWindowDays))
	for _, t := range p.Tiers {
		f.Tiers = append(f.Tiers, tierRow{UpTo: upToText(t.UpTo), UnitAmount: decText(t.UnitAmount), FlatAmount: decText(t.FlatAmount)})
	}
	for _, m := range p.Metrics {
		f.Metrics = append(f.Metrics, metricRow{Name: m.Name, Unit: m.Unit, Aggregation: m.Aggregation, Model: string(m.Model),
			Amount: decText(m.Amount), UnitAmount: decText(m.UnitAmount), PackageSize: intText(m.PackageSize), Tiers: tiersText(m.Tiers)})
	}
	for _, c := range p.Prices {
		f.Prices = append(f.Prices, currencyRow{Currency: c.Currency, Amount: decText(c.Amount), UnitAmount: decText(c.UnitAmount),
			SetupFee: decText(c.SetupFee), Tiers: tiersText(c.Tiers)})
	}
	f.withBlankRows()
	return f
}

// tiersText writes tiers as the editor's tiers field does:
// "UP_TO UNIT_AMOUNT [FLAT_AMOUNT]" separated by semicolons, * for the last.
func tiersText(ts []pricing.Tier) string {
	var tiers []string
	for _, t := range ts {
		line := orStar(upToText(t.UpTo)) + " " + orZero(decText(t.UnitAmount))
		if t.FlatAmount != nil {
			line += " " + t.FlatAmount.String()
		}
		tiers = append(tiers, line)
	}
	return strings.Join(tiers, "; ")
}

func decText(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

func intText(n int64) string {
	if n == 0 {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

func upToText(n *int64) string {
	if n == nil {
		return ""
	}
	return strconv.FormatInt(*n, 10)
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

func orStar(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

func readPlanForm(r *http.Request) planForm {
	f := planForm{Models: models}
	for key, dst := range map[string]*string{"name": &f.Name, "description": &f.Description, "currency": &f.Currency, "period": &f.Period,
		"term": &f.Term, "commitment": &f.Commitment, "cancellation_window_days": &f.CancellationWindowDays, "model": &f.Model,
		"unit": &f.Unit, "amount": &f.Amount, "unit_amount": &f.UnitAmount, "setup_fee": &f.SetupFee,
		"package_size": &f.PackageSize, "min_quantity": &f.MinQuantity, "max_quantity": &f.MaxQuantity, "trial_days": &f.TrialDays,
		"quantities": &f.Quantities} {
		*dst = strings.TrimSpace(r.PostFormValue(key))
	}
	f.Currency = strings.ToUpper(f.Currency)
	col := func(name string, i int) string {
		if vals := r.PostForm[name]; i < len(vals) {
			return strings.TrimSpace(vals[i])
		}
		return ""
	}
	// Rows are kept as shown, blank ones too, so that an error names the
	// row the vendor sees.
	for i := range min(len(r.PostForm["tier_up_to"]), maxRows) {
		f.Tiers = append(f.Tiers, tierRow{UpTo: col("tier_up_to", i), UnitAmount: col("tier_unit_amount", i), FlatAmount: col("tier_flat_amount", i)})
	}
	for i := range min(len(r.PostForm["metric_name"]), maxRows) {
		f.Metrics = append(f.Metrics, metricRow{Name: col("metric_name", i), Unit: col("metric_unit", i), Aggregation: col("metric_aggregation", i),
			Model: col("metric_model", i), Amount: col("metric_amount", i), UnitAmount: col("metric_unit_amount", i),
			PackageSize: col("metric_package_size", i), Tiers: col("metric_tiers", i)})
	}
	for i := range min(len(r.PostForm["price_currency"]), maxRows) {
		f.Prices = append(f.Prices, currencyRow{Currency: strings.ToUpper(col("price_currency", i)), Amount: col("price_amount", i),
			UnitAmount: col("price_unit_amount", i), SetupFee: col("price_setup_fee", i), Tiers: col("price_tiers", i)})
	}
	return f
}

// blank says a metric row was left as offered: the aggregation and model
// menus always have a value, so they do not count.
func (m metricRow) blank() bool {
	return m.Name == "" && m.Unit == "" && m.Amount == "" && m.UnitAmount == "" && m.PackageSize == "" && m.Tiers == ""
}

// tierLine is one tier written "UP_TO UNIT_AMOUNT [FLAT_AMOUNT]".
var tierLine = regexp.MustCompile(`^(\*|\d+)\s+(\S+)(?:\s+(\S+))?$`)

// pricing turns the form into a Pricing; what it cannot read is an
// EINVALID error naming the field (the pricing package checks the rest).
func (f planForm) pricing() (pricing.Pricing, error) {
	var fe mercato.FieldErrors
	dec := func(field, s string) *decimal.Decimal {
		if s == "" {
			return nil
		}
		d, err := decimal.NewFromString(s)
		if err != nil {
			fe.Add(field, "must be a decimal number such as 12.50")
			return nil
		}
		return &d
	}
	integer := func(field, s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fe.Add(field, "must be a whole number")
		}
		return n
	}
	upTo := func(field, s string) *int64 {
		if s == "" || s == "*" {
			return nil
		}
		n := integer(field, s)
		return &n
	}
	// tiers reads a tiers field (a metric's, a price's): "UP_TO
	// UNIT_AMOUNT [FLAT_AMOUNT]" separated by semicolons.
	tiers := func(field, text string) []pricing.Tier {
		var out []pricing.Tier
		for _, line := range strings.Split(text, ";") {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			parts := tierLine.FindStringSubmatch(line)
			if parts == nil {
				fe.Add(field, "write each tier as UP_TO UNIT_AMOUNT [FLAT_AMOUNT], separated by semicolons, with * as the last tier's UP_TO")
				continue
			}
			t := pricing.Tier{UpTo: upTo(field, parts[1]), UnitAmount: dec(field, parts[2])}
			if parts[3] != "" {
				t.FlatAmount = dec(field, parts[3])
			}
			out = append(out, t)
		}
		return out
	}
	p := pricing.Pricing{Currency: f.Currency, Period: f.Period, Term: f.Term, Commitment: f.Commitment, Model: pricing.Model(f.Model), Unit: f.Unit,
		Amount: dec("amount", f.Amount), UnitAmount: dec("unit_amount", f.UnitAmount), SetupFee: dec("setup_fee", f.SetupFee),
		PackageSize: integer("package_size", f.PackageSize), MinQuantity: integer("min_quantity", f.MinQuantity),
		MaxQuantity: integer("max_quantity", f.MaxQuantity), TrialDays: int(integer("trial_days", f.TrialDays)),
		CancellationWindowDays: int(integer("cancellation_window_days", f.CancellationWindowDays))}
	// The pricing's tiers and metrics are the rows not left blank; shown[k]
	// is the row of the k-th.
	shown := map[string][]int{}
	for i, t := range f.Tiers {
		if t == (tierRow{}) {
			continue
		}
		shown["tiers"] = append(shown["tiers"], i)
		path := fmt.Sprintf("tiers[%d].", i)
		p.Tiers = append(p.Tiers, pricing.Tier{UpTo: upTo(path+"up_to", t.UpTo), UnitAmount: dec(path+"unit_amount", t.UnitAmount), FlatAmount: dec(path+"flat_amount", t.FlatAmount)})
	}
	for i, m := range f.Metrics {
		if m.blank() {
			continue
		}
		shown["metrics"] = append(shown["metrics"], i)
		path := fmt.Sprintf("metrics[%d].", i)
		p.Metrics = append(p.Metrics, pricing.Metric{Name: m.Name, Unit: m.Unit, Aggregation: m.Aggregation, Model: pricing.Model(m.Model),
			Amount: dec(path+"amount", m.Amount), UnitAmount: dec(path+"unit_amount", m.UnitAmount), PackageSize: integer(path+"package_size", m.PackageSize),
			Tiers: tiers(path+"tiers", m.Tiers)})
	}
	for i, c := range f.Prices {
		if c == (currencyRow{}) {
			continue
		}
		shown["prices"] = append(shown["prices"], i)
		path := fmt.Sprintf("prices[%d].", i)
		p.Prices = append(p.Prices, pricing.CurrencyPrice{Currency: c.Currency, Amount: dec(path+"amount", c.Amount),
			UnitAmount: dec(path+"unit_amount", c.UnitAmount), SetupFee: dec(path+"setup_fee", c.SetupFee), Tiers: tiers(path+"tiers", c.Tiers)})
	}
	if err := fe.Err("invalid pricing"); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, onRows(err, shown)
	}
	return p, nil
}

// rowPath is a path into a list: tiers[2].up_to, metrics[0].tiers[1].
var rowPath = regexp.MustCompile(`^(tiers|metrics|prices)\[(\d+)\]`)

// onRows renames the fields of err's paths into the pricing's lists by the
// rows the vendor sees (shown[list][k] is the row of the k-th element).
func onRows(err error, shown map[string][]int) error {
	fields := mercato.Fields(err)
	if len(fields) == 0 {
		return err
	}
	out := make([]mercato.FieldError, len(fields))
	for i, fe := range fields {
		if m := rowPath.FindStringSubmatch(fe.Path); m != nil {
			k, _ := strconv.Atoi(m[2])
			if rows := shown[m[1]]; k < len(rows) {
				fe.Path = fmt.Sprintf("%s[%d]", m[1], rows[k]) + fe.Path[len(m[0]):]
			}
		}
		out[i] = fe
	}
	return mercato.Invalid(mercato.ErrorMessage(err), out...)
}

// refused records err's messages on the form: each field's beside it,
// and a summary with those that have no place of their own.
func (f *planForm) refused(err error) {
	f.Error = mercato.ErrorMessage(err)
	f.Errors = map[string]string{}
	for _, fe := range mercato.Fields(err) {
		path := fe.Path
		// A metric's or a price's tier is shown on its tiers field.
		if i := strings.Index(path, "].tiers["); i >= 0 && (strings.HasPrefix(path, "metrics[") || strings.HasPrefix(path, "prices[")) {
			path = path[:i] + "].tiers"
		}
		if !slices.Contains(topFields, path) && !rowPath.MatchString(path) {
			f.Error += "; " + fe.Path + ": " + fe.Message
			continue
		}
		if prev, ok := f.Errors[path]; ok {
			f.Errors[path] = prev + "; " + fe.Message
		} else {
			f.Errors[path] = fe.Message
		}
	}
}

// topFields are the form's fields outside its tier and metric rows; each
// has a place for its error beside it.
var topFields = []string{"name", "description", "currency", "period", "term", "commitment", "cancellation_window_days", "model", "unit",
	"amount", "unit_amount", "setup_fee", "package_size", "min_quantity", "max_quantity", "trial_days", "tiers", "metrics", "prices"}

// errSlot is the place of an error on the page: the element of id ID
// holds Msg; OOB marks the copy a live preview sends to replace it.
type errSlot struct {
	ID, Msg string
	OOB     bool
}

// Slot is the place of the error of a field outside the rows.
func (f planForm) Slot(field string) errSlot {
	return errSlot{ID: "err-" + field, Msg: f.Errors[field]}
}

// RowSlot is the place of the errors of row i of list (tiers, metrics,
// prices).
func (f planForm) RowSlot(list string, i int) errSlot {
	return errSlot{ID: fmt.Sprintf("err-%s-%d", list, i), Msg: f.RowErr(list, i)}
}

// Slots are every place of an error, as the live preview sends them to
// replace the page's (an empty one clears a corrected field's).
func (f planForm) Slots() []errSlot {
	var out []errSlot
	for _, field := range topFields {
		out = append(out, f.Slot(field))
	}
	for i := range f.Tiers {
		out = append(out, f.RowSlot("tiers", i))
	}
	for i := range f.Metrics {
		out = append(out, f.RowSlot("metrics", i))
	}
	for i := range f.Prices {
		out = append(out, f.RowSlot("prices", i))
	}
	for i := range out {
		out[i].OOB = true
	}
	return out
}
