package pricing

import "github.com/shopspring/decimal"

// AverageDecimals is the precision of an average: sum / count rounded
// half away from zero to this many decimal places.
const AverageDecimals = 12

// Aggregator folds usage records, added in time order, with one of the
// pricing aggregations.
type Aggregator struct {
	kind   string
	n      int
	sum    decimal.Decimal
	max    decimal.Decimal
	last   decimal.Decimal
	unique map[string]struct{}
}

// NewAggregator returns an aggregator for kind (sum when empty).
func NewAggregator(kind string) *Aggregator {
	if kind == "" {
		kind = AggregationSum
	}
	return &Aggregator{kind: kind, unique: map[string]struct{}{}}
}

// Add folds one record in.
func (a *Aggregator) Add(qty decimal.Decimal, uniqueID string) {
	if a.n == 0 || qty.GreaterThan(a.max) {
		a.max = qty
	}
	a.n++
	a.sum = a.sum.Add(qty)
	a.last = qty
	if uniqueID != "" {
		a.unique[uniqueID] = struct{}{}
	}
}

// Result is the folded quantity; zero when nothing was added.
func (a *Aggregator) Result() decimal.Decimal {
	if a.n == 0 {
		return decimal.Zero
	}
	switch a.kind {
	case AggregationMax:
		return a.max
	case AggregationAverage:
		return a.sum.DivRound(decimal.NewFromInt(int64(a.n)), AverageDecimals)
	case AggregationLast:
		return a.last
	case AggregationUniqueCount:
		return decimal.NewFromInt(int64(len(a.unique)))
	}
	return a.sum
}

// Count is how many records were added.
func (a *Aggregator) Count() int { return a.n }
