package usage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/pricing"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Reads are what the service reads outside a transaction.
type Reads interface {
	Clock() time.Time
	// MeteredSubscription loads a subscription visible to p with its
	// plan's metrics.
	MeteredSubscription(ctx context.Context, p mercato.Principal, id int64) (Metered, error)
	// ListUsage lists the usage records of a subscription visible to p.
	ListUsage(ctx context.Context, p mercato.Principal, subID int64, f Filter, page mercato.Page) ([]Record, int64, error)
	// UsageSamples returns the quantities of a subscription's records of
	// one metric over [from, to) (zero bounds open) in time order.
	UsageSamples(ctx context.Context, subID int64, metric string, from, to time.Time) ([]Sample, error)
	// UsagePoints returns the records of a subscription that count (not
	// void) over [from, to) by period_start, in time order.
	UsagePoints(ctx context.Context, subID int64, from, to time.Time) ([]Point, error)
}

// Tx is what the service does inside one transaction.
type Tx interface {
	Now() time.Time
	// MeteredSubscription loads a subscription visible to p (every one
	// when p is nil) with its plan's metrics.
	MeteredSubscription(ctx context.Context, p *mercato.Principal, id int64) (Metered, error)
	// UsageByKey returns the record stored under an idempotency key and
	// the hash of the report that created it.
	UsageByKey(ctx context.Context, subID int64, key string) (rec Record, hash string, found bool, err error)
	// InsertUsage inserts rec unless its idempotency key exists and
	// reports whether it did.
	InsertUsage(ctx context.Context, rec *Record, hash string) (bool, error)
	// PreviousReading is the latest polled reading of a metric before
	// start, if any.
	PreviousReading(ctx context.Context, subID int64, metric string, before time.Time) (decimal.NullDecimal, error)
	// UsageRecordForUpdate reads one record of a subscription and locks it
	// for the transaction.
	UsageRecordForUpdate(ctx context.Context, subID, id int64) (Record, error)
	// UsageCharged says whether the usage of the period rec counts in was
	// charged already, and on which invoice (0: not invoiced yet).
	UsageCharged(ctx context.Context, rec Record) (charged bool, invoiceID int64, err error)
	// VoidUsage marks a record void.
	VoidUsage(ctx context.Context, rec Record) error
	Audit(ctx context.Context, p mercato.Principal, action, entity string, id int64, details map[string]any) error
}

// InTx runs fn in one transaction, committing when it returns nil.
type InTx func(ctx context.Context, fn func(Tx) error) error

// Service records usage.
type Service struct {
	reads Reads
	inTx  InTx
}

// New returns the service over its repositories.
func New(reads Reads, inTx InTx) *Service { return &Service{reads: reads, inTx: inTx} }

// byKey finds the record an earlier report with the same key created; a
// key used for another report is refused.
func byKey(ctx context.Context, tx Tx, subID int64, key, hash string) (Record, bool, error) {
	rec, stored, found, err := tx.UsageByKey(ctx, subID, key)
	if err != nil || !found {
		return rec, false, err
	}
	if stored != hash {
		return rec, false, mercato.Invalid("this idempotency id was used with a different usage report",
			mercato.FieldError{Path: "idempotency_id", Message: "already used for another report", Value: key})
	}
	return rec, true, nil
}

// RecordUsage stores a pushed usage record. Only the product's vendor and
// the platform push. A report whose idempotency key was seen before
// answers the first record (replayed true) when it is the same report, and
// is refused when it is not. The metric must be one of the subscription's
// plan's metrics; a unique_count metric needs a unique_id.
func (s *Service) RecordUsage(ctx context.Context, p mercato.Principal, subID int64, r Report) (rec Record, replayed bool, err error) {
	start, end, verr := Validate(r, s.reads.Clock())
	hash := Hash(r)
	err = s.inTx(ctx, func(tx Tx) error {
		m, err := tx.MeteredSubscription(ctx, &p, subID)
		if err != nil {
			return err
		}
		if (!p.IsPlatform() && m.VendorID != p.OrgID) || !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "only the provider of subscription %d reports its usage", subID)
		}
		if verr != nil {
			return verr
		}
		if r.IdempotencyKey != "" {
			prev, found, err := byKey(ctx, tx, subID, r.IdempotencyKey, hash)
			if err != nil || found {
				rec, replayed = prev, found
				return err
			}
		}
		if m.Status.Final() {
			return mercato.Errorf(mercato.ECONFLICT, "subscription %d has ended (%s): no more usage", subID, m.Status)
		}
		mt, ok := m.Metric(r.Metric)
		if !ok {
			return mercato.Invalid("invalid usage", mercato.FieldError{Path: "metric", Message: "the subscription's plan has no metric with this name", Value: r.Metric})
		}
		if mt.Aggregation == pricing.AggregationUniqueCount && r.UniqueID == "" {
			return mercato.Invalid("invalid usage", mercato.FieldError{Path: "unique_id", Message: "is required: the metric counts unique ids"})
		}
		rec = Record{SubscriptionID: subID, Metric: r.Metric, Quantity: r.Quantity, PeriodStart: start, PeriodEnd: end, Source: SourcePush,
			IdempotencyKey: r.IdempotencyKey, UniqueID: r.UniqueID, ReportedBy: p.OrgID, CreatedAt: tx.Now()}
		inserted, err := tx.InsertUsage(ctx, &rec, hash)
		if err != nil || inserted {
			return err
		}
		// A concurrent report with the same key committed first.
		prev, _, err := byKey(ctx, tx, subID, r.IdempotencyKey, hash)
		rec, replayed = prev, true
		return err
	})
	if err != nil {
		return rec, false, fmt.Errorf("record usage: %w", err)
	}
	return rec, replayed, nil
}

// RecordPolledUsage records the readings of one subscription's poll in the
// window [start, end). A gauge's reading (aggregation max, average, last)
// is its quantity; a counter's reading (aggregation sum) is cumulative and
// its quantity is the increase since the previous poll's reading (the
// whole reading after a reset to a lower value, or for the first reading).
// A reading already recorded for the window is skipped, so a poll that is
// repeated within its window counts nothing twice. Readings of metrics the
// plan does not have, of unique_count metrics (a reading holds no ids) and
// negative ones are skipped, with the reason in skipped.
func (s *Service) RecordPolledUsage(ctx context.Context, subID int64, start, end time.Time, readings []Reading) (created []Record, skipped []string, err error) {
	start, end = Time(start), Time(end)
	err = s.inTx(ctx, func(tx Tx) error {
		created, skipped = nil, nil
		m, err := tx.MeteredSubscription(ctx, nil, subID)
		if err != nil {
			return err
		}
		if m.Status != subscription.Deployed && m.Status != subscription.Stopped {
			skipped = append(skipped, fmt.Sprintf("subscription is %s", m.Status))
			return nil
		}
		for _, r := range readings {
			mt, ok := m.Metric(r.Metric)
			switch {
			case !ok:
				skipped = append(skipped, fmt.Sprintf("%s: the plan has no such metric", r.Metric))
				continue
			case mt.Aggregation == pricing.AggregationUniqueCount:
				skipped = append(skipped, fmt.Sprintf("%s: unique_count metrics are pushed, not polled", r.Metric))
				continue
			case r.Value.IsNegative():
				skipped = append(skipped, fmt.Sprintf("%s: negative value %s", r.Metric, r.Value))
				continue
			case pricing.CheckUsage(r.Value) != "":
				skipped = append(skipped, fmt.Sprintf("%s: %s %s", r.Metric, r.Value, pricing.CheckUsage(r.Value)))
				continue
			}
			reading := r.Value
			rec := Record{SubscriptionID: subID, Metric: r.Metric, Quantity: reading, PeriodStart: start, PeriodEnd: end,
				Source: SourcePoll, IdempotencyKey: PollKey(start, r.Metric), Reading: &reading, CreatedAt: tx.Now()}
			if mt.Aggregation == pricing.AggregationSum {
				prev, err := tx.PreviousReading(ctx, subID, r.Metric, start)
				if err != nil {
					return err
				}
				if prev.Valid && reading.GreaterThanOrEqual(prev.Decimal) {
					rec.Quantity = reading.Sub(prev.Decimal)
				}
			}
			inserted, err := tx.InsertUsage(ctx, &rec, "")
			if err != nil {
				return err
			}
			if !inserted {
				skipped = append(skipped, fmt.Sprintf("%s: already recorded for this window", r.Metric))
				continue
			}
			created = append(created, rec)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("record polled usage of subscription %d: %w", subID, err)
	}
	return created, skipped, nil
}

// VoidUsage voids a usage record of a subscription: the product's vendor
// or the platform corrects a report (a wrong quantity, a duplicate sent
// under another idempotency id). The record is kept, marked void with who
// voided it, when and why, audited, and no longer aggregated, neither in
// summaries nor by billing. A record whose period's usage was charged
// already cannot be voided (409): the charge stands, and the invoice is
// corrected by a credit note. Voiding a void record answers it unchanged.
func (s *Service) VoidUsage(ctx context.Context, p mercato.Principal, subID, id int64, reason string) (Record, error) {
	reason = strings.TrimSpace(reason)
	var rec Record
	err := s.inTx(ctx, func(tx Tx) error {
		m, err := tx.MeteredSubscription(ctx, &p, subID)
		if err != nil {
			return err
		}
		if (!p.IsPlatform() && m.VendorID != p.OrgID) || !p.CanWrite() {
			return mercato.Errorf(mercato.EFORBIDDEN, "only the provider of subscription %d voids its usage", subID)
		}
		if reason == "" || len(reason) > maxVoidReason {
			return mercato.Invalid("invalid void", mercato.FieldError{Path: "reason", Message: fmt.Sprintf("is required, at most %d characters", maxVoidReason)})
		}
		if rec, err = tx.UsageRecordForUpdate(ctx, subID, id); err != nil {
			return err
		}
		if rec.VoidedAt != nil {
			return nil
		}
		charged, invoice, err := tx.UsageCharged(ctx, rec)
		if err != nil {
			return err
		}
		switch {
		case charged && invoice != 0:
			return mercato.Errorf(mercato.ECONFLICT, "usage record %d was invoiced (invoice %d): credit the invoice instead", id, invoice)
		case charged:
			return mercato.Errorf(mercato.ECONFLICT, "the usage of the period of record %d was charged already: credit its invoice once issued instead", id)
		}
		now := tx.Now()
		rec.VoidedAt, rec.VoidedBy, rec.VoidReason = &now, p.OrgID, reason
		if err := tx.VoidUsage(ctx, rec); err != nil {
			return err
		}
		return tx.Audit(ctx, p, "usage.void", "usage_record", rec.ID, map[string]any{
			"subscription_id": subID, "metric": rec.Metric, "quantity": rec.Quantity.String(), "reason": reason})
	})
	if err != nil {
		return rec, fmt.Errorf("void usage record %d: %w", id, err)
	}
	return rec, nil
}
