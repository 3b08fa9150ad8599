package usage

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
)

// Sample is one record's contribution to a summary.
type Sample struct {
	Quantity decimal.Decimal
	UniqueID string
}

// Total is a metric's usage over a window, folded with its aggregation:
// the quantity billing prices.
type Total struct {
	SubscriptionID int64
	Metric         string
	Unit           string
	Aggregation    string
	From, To       time.Time // zero: unbounded
	Quantity       decimal.Decimal
	Records        int // how many records were folded
}

// ListUsage lists the usage records of a subscription p sees.
func (s *Service) ListUsage(ctx context.Context, p mercato.Principal, subID int64, f Filter, page mercato.Page) ([]Record, int64, error) {
	return s.reads.ListUsage(ctx, p, subID, f, page)
}

// Summary aggregates a subscription's usage of one metric of its plan
// over [from, to) (by period_start; zero bounds are open) with the metric's
// aggregation, in decimals, as billing folds it (pricing.Aggregator):
//
//   - sum: the total of the quantities (counters);
//   - max: the largest quantity (a peaked gauge);
//   - average: the mean of the records' quantities, to
//     pricing.AverageDecimals places (an averaged gauge sampled at regular
//     intervals);
//   - last: the quantity of the latest record (by period_start, then by
//     arrival);
//   - unique_count: how many distinct unique_ids were reported.
//
// No records give zero.
func (s *Service) Summary(ctx context.Context, p mercato.Principal, subID int64, metric string, from, to time.Time) (Total, error) {
	out := Total{SubscriptionID: subID, Metric: metric, From: from, To: to, Quantity: decimal.Zero}
	m, err := s.reads.MeteredSubscription(ctx, p, subID)
	if err != nil {
		return out, err
	}
	mt, ok := m.Metric(metric)
	if !ok {
		return out, mercato.Invalid("invalid usage summary", mercato.FieldError{Path: "metric", Message: "the subscription's plan has no metric with this name", Value: metric})
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return out, mercato.Invalid("invalid usage summary", mercato.FieldError{Path: "to", Message: "must be after from"})
	}
	out.Unit, out.Aggregation = mt.Unit, mt.Aggregation
	samples, err := s.reads.UsageSamples(ctx, subID, metric, from, to)
	if err != nil {
		return out, err
	}
	agg := pricing.NewAggregator(mt.Aggregation)
	for _, smp := range samples {
		agg.Add(smp.Quantity, smp.UniqueID)
	}
	out.Quantity, out.Records = agg.Result(), agg.Count()
	return out, nil
}
