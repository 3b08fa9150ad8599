// Package usage holds metered usage: its records and reports, the rules of
// a push (only the product's vendor or the platform pushes, for a metric of
// the subscription's plan, until the subscription has ended; a repeated
// idempotency id answers the first record, another report under it is
// refused) and of a poll (one record per subscription, window and metric;
// counters recorded as increases). Records are kept raw, one per report,
// so that billing folds a period's records with the metric's aggregation.
// A record covers a period [start, end] (a point in time when both are
// equal) and falls in a query window [from, to) by its start.
package usage

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Sources of records.
const (
	SourcePush = "push"
	SourcePoll = "poll"
)

// PollKeyPrefix starts the idempotency keys of polled records; pushed keys
// may not use it.
const PollKeyPrefix = "poll:"

// Limits of a usage report.
const (
	maxDecimals = 12
	maxKey      = 200
)

// Record is one reported quantity of a metric.
type Record struct {
	ID             int64
	SubscriptionID int64
	Metric         string
	Quantity       decimal.Decimal
	PeriodStart    time.Time
	PeriodEnd      time.Time
	Source         string
	IdempotencyKey string
	UniqueID       string
	// Reading is the value a poll read (for a counter, the cumulative
	// total; Quantity is then the increase since the previous reading).
	Reading    *decimal.Decimal
	ReportedBy int64 // the pushing organization; 0 for polls
	CreatedAt  time.Time
	// VoidedAt is when the record was voided (nil while it counts): a
	// void record is kept, shown, and aggregated nowhere.
	VoidedAt   *time.Time
	VoidedBy   int64 // the organization that voided it
	VoidReason string
}

// maxVoidReason bounds the reason given for voiding a record.
const maxVoidReason = 500

// Report is a pushed usage record. Either OccurredAt, or PeriodStart and
// PeriodEnd, or neither (meaning now) is set.
type Report struct {
	Metric         string
	Quantity       decimal.Decimal
	OccurredAt     *time.Time
	PeriodStart    *time.Time
	PeriodEnd      *time.Time
	IdempotencyKey string // a repeat with the same key is not counted again
	UniqueID       string // what unique_count metrics count
}

// Reading is one value read from a metric URL.
type Reading struct {
	Metric string
	Value  decimal.Decimal
}

// Metered is a subscription as usage sees it: its provider, status and
// the metrics of its plan.
type Metered struct {
	ID, ProductID, VendorID int64
	Status                  subscription.Status
	Metrics                 []pricing.Metric
}

// Metric returns the plan's metric of that name.
func (m Metered) Metric(name string) (pricing.Metric, bool) {
	for _, mt := range m.Metrics {
		if mt.Name == name {
			return mt, true
		}
	}
	return pricing.Metric{}, false
}

// Time is the stored form of a time: UTC at microseconds.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// PollKey is the idempotency key of a polled record: one per subscription,
// window and metric.
func PollKey(window time.Time, metric string) string {
	return PollKeyPrefix + Time(window).Format(time.RFC3339) + ":" + metric
}

// earliestUsage bounds how old a usage record may be: nothing billed here
// happened before it (a record "dated year 1" is a client's bug).
var earliestUsage = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// Validate checks a report received at now and returns its period.
func Validate(r Report, now time.Time) (start, end time.Time, err error) {
	var fe mercato.FieldErrors
	if r.Metric == "" || len(r.Metric) > 64 {
		fe.Add("metric", "is required (at most 64 characters)")
	}
	switch {
	case r.Quantity.IsNegative():
		fe.Add("quantity", "must not be negative")
	case !r.Quantity.Equal(r.Quantity.Truncate(maxDecimals)):
		fe.Add("quantity", "at most %d decimal places", maxDecimals)
	case pricing.CheckUsage(r.Quantity) != "":
		// A value no metric can price is refused here, not found by the
		// billing run.
		fe.Add("quantity", "%s", pricing.CheckUsage(r.Quantity))
	}
	if len(r.IdempotencyKey) > maxKey {
		fe.Add("idempotency_id", "at most %d characters", maxKey)
	}
	if strings.HasPrefix(r.IdempotencyKey, PollKeyPrefix) {
		fe.Add("idempotency_id", "must not start with %q (reserved for polled usage)", PollKeyPrefix)
	}
	if len(r.UniqueID) > maxKey {
		fe.Add("unique_id", "at most %d characters", maxKey)
	}
	switch {
	case r.OccurredAt != nil && (r.PeriodStart != nil || r.PeriodEnd != nil):
		fe.Add("occurred_at", "give either occurred_at or period, not both")
	case r.OccurredAt != nil:
		start, end = Time(*r.OccurredAt), Time(*r.OccurredAt)
	case r.PeriodStart != nil && r.PeriodEnd != nil:
		start, end = Time(*r.PeriodStart), Time(*r.PeriodEnd)
		if end.Before(start) {
			fe.Add("period.end", "must not be before period.start")
		}
	case r.PeriodStart != nil || r.PeriodEnd != nil:
		fe.Add("period", "needs both start and end")
	default:
		start, end = now, now
	}
	if start.After(now.Add(5 * time.Minute)) {
		fe.Add("period.start", "must not be in the future")
	}
	if start.Before(earliestUsage) {
		fe.Add("period.start", "must not be before %s", earliestUsage.Format("2006-01-02"))
	}
	return start, end, fe.Err("invalid usage")
}

// Hash identifies a report as its sender gave it, so that a retry with the
// same idempotency key is recognised (and one with another body refused)
// even when the time was left to the server.
func Hash(r Report) string {
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return Time(*t).Format(time.RFC3339Nano)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{r.Metric, r.Quantity.String(), ts(r.OccurredAt), ts(r.PeriodStart), ts(r.PeriodEnd), r.UniqueID}, "\x00")))
	return hex.EncodeToString(sum[:])
}
