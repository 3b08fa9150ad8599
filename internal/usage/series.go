package usage

import (
	"context"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Step is the width of a usage series' buckets: a calendar day or month
// (UTC).
type Step string

// The steps of a series.
const (
	ByDay   Step = "day"
	ByMonth Step = "month"
)

// MaxBuckets bounds a series: at most this many days or months.
const MaxBuckets = 400

// Point is one record as a series reads it: its metric, when its period
// starts, and what the aggregation folds.
type Point struct {
	Metric   string
	At       time.Time
	Quantity decimal.Decimal
	UniqueID string
}

// SeriesRequest asks for a subscription's usage over [From, To), bucket
// by bucket of Step: From and To are the first instants of a day (of a
// month, by month).
type SeriesRequest struct {
	From, To time.Time
	Step     Step
}

// Validate checks the step, the bounds (on its boundaries, From before
// To) and the number of buckets, naming the field at fault.
func (r SeriesRequest) Validate() error {
	bad := func(path, msg string) error {
		return mercato.Invalid("invalid usage series", mercato.FieldError{Path: path, Message: msg})
	}
	if r.Step != ByDay && r.Step != ByMonth {
		return bad("step", `must be "day" or "month"`)
	}
	for _, b := range []struct {
		path string
		t    time.Time
	}{{"from", r.From}, {"to", r.To}} {
		if b.t.IsZero() || !b.t.Equal(r.Step.start(b.t)) {
			return bad(b.path, "must be the start of a "+string(r.Step)+" (UTC)")
		}
	}
	if !r.From.Before(r.To) {
		return bad("to", "must be after from")
	}
	if n := len(r.Starts()); n > MaxBuckets {
		return bad("to", "the series has more than "+strconv.Itoa(MaxBuckets)+" buckets")
	}
	return nil
}

// start is the first instant of t's day or month, UTC.
func (s Step) start(t time.Time) time.Time {
	t = t.UTC()
	if s == ByMonth {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func (s Step) next(t time.Time) time.Time {
	if s == ByMonth {
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

// Starts are the first instants of the request's buckets, in order
// (stopping past MaxBuckets).
func (r SeriesRequest) Starts() []time.Time {
	var out []time.Time
	for t := r.From; t.Before(r.To) && len(out) <= MaxBuckets; t = r.Step.next(t) {
		out = append(out, t)
	}
	return out
}

// Series is a subscription's usage bucket by bucket: Starts, and for each
// metric of its plan the quantity of each bucket.
type Series struct {
	Step    Step
	Starts  []time.Time
	Metrics []MetricSeries
}

// MetricSeries is one metric's usage, bucket by bucket, each folded with
// the metric's aggregation as billing folds a period's (zero when no
// record).
type MetricSeries struct {
	Metric      string
	Unit        string
	Aggregation string
	Quantities  []decimal.Decimal
}

// Series returns the usage of every metric of a subscription's plan over
// [r.From, r.To), day by day or month by month, each bucket folded as
// Summary folds a window (a void record counts nowhere). Whoever sees the
// subscription reads it; a plan without metrics has none.
func (s *Service) Series(ctx context.Context, p mercato.Principal, subID int64, r SeriesRequest) (Series, error) {
	if err := r.Validate(); err != nil {
		return Series{}, err
	}
	m, err := s.reads.MeteredSubscription(ctx, p, subID)
	if err != nil {
		return Series{}, err
	}
	out := Series{Step: r.Step, Starts: r.Starts()}
	if len(m.Metrics) == 0 {
		return out, nil
	}
	points, err := s.reads.UsagePoints(ctx, subID, r.From, r.To)
	if err != nil {
		return Series{}, err
	}
	index := make(map[time.Time]int, len(out.Starts))
	for i, t := range out.Starts {
		index[t] = i
	}
	for _, mt := range m.Metrics {
		aggs := make([]*pricing.Aggregator, len(out.Starts))
		for i := range aggs {
			aggs[i] = pricing.NewAggregator(mt.Aggregation)
		}
		for _, pt := range points {
			if i, ok := index[r.Step.start(pt.At)]; ok && pt.Metric == mt.Name {
				aggs[i].Add(pt.Quantity, pt.UniqueID)
			}
		}
		ms := MetricSeries{Metric: mt.Name, Unit: mt.Unit, Aggregation: mt.Aggregation, Quantities: make([]decimal.Decimal, len(aggs))}
		for i, a := range aggs {
			ms.Quantities[i] = a.Result()
		}
		out.Metrics = append(out.Metrics, ms)
	}
	return out, nil
}
