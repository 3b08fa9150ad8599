package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/shopspring/decimal"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/usage"
)

// UsagePeriod is the time a usage record covers.
type UsagePeriod struct {
	Start time.Time `json:"start" doc:"RFC 3339 time the usage began; a record counts in the billing period its start falls in"`
	End   time.Time `json:"end" doc:"RFC 3339 time the usage ended, not before start; equal to start for usage at one point in time"`
}

// UsageCreate is the body of POST …/usage.
type UsageCreate struct {
	Metric        string       `json:"metric" pattern:"^[a-z][a-z0-9_.-]{0,63}$" doc:"one of the subscription's plan's metrics" example:"api_calls"`
	Quantity      string       `json:"quantity" pattern:"^[0-9]{1,18}(\\.[0-9]{1,12})?$" doc:"a decimal string, at least 0, at most 12 decimals" example:"12.5"`
	OccurredAt    *time.Time   `json:"occurred_at,omitempty" doc:"when the usage happened; give this or period, or neither for now"`
	Period        *UsagePeriod `json:"period,omitempty"` // the period the quantity covers, e.g. a day (no doc tag: OpenAPI 3.0 allows nothing beside a $ref)
	IdempotencyID string       `json:"idempotency_id,omitempty" maxLength:"200" doc:"your id for this report: a repeat with the same id is not counted again (also accepted as the Idempotency-Key header)"`
	UniqueID      string       `json:"unique_id,omitempty" maxLength:"200" doc:"what a unique_count metric counts, e.g. a user or device id"`
}

// Usage is a stored usage record.
type Usage struct {
	ID             int64       `json:"id"`
	SubscriptionID int64       `json:"subscription_id"`
	Metric         string      `json:"metric"`
	Quantity       string      `json:"quantity" doc:"a decimal string; for a polled counter, the increase since the previous reading"`
	Period         UsagePeriod `json:"period"` // no doc tag: OpenAPI 3.0 allows nothing beside a $ref
	Source         string      `json:"source" enum:"push,poll" doc:"pushed through the API, or polled from the product's metric URL"`
	IdempotencyID  string      `json:"idempotency_id,omitempty"`
	UniqueID       string      `json:"unique_id,omitempty"`
	Reading        *string     `json:"reading,omitempty" doc:"polled records: the value read from the metric URL"`
	ReportedBy     *int64      `json:"reported_by,omitempty" doc:"the organization that pushed it"`
	CreatedAt      time.Time   `json:"created_at"`
	VoidedAt       *time.Time  `json:"voided_at,omitempty" doc:"when the record was voided; a void record is kept and counts in no summary or bill"`
	VoidedBy       *int64      `json:"voided_by,omitempty" doc:"the organization that voided it"`
	VoidReason     string      `json:"void_reason,omitempty" doc:"why it was voided"`
}

// UsageVoid is the body of POST …/usage/{usage_id}/void.
type UsageVoid struct {
	Reason string `json:"reason" minLength:"1" maxLength:"500" doc:"why the record is voided, kept with it and in the audit log" example:"sent twice"`
}

func usageOf(r usage.Record) Usage {
	u := Usage{ID: r.ID, SubscriptionID: r.SubscriptionID, Metric: r.Metric, Quantity: r.Quantity.String(),
		Period: UsagePeriod{Start: r.PeriodStart, End: r.PeriodEnd}, Source: r.Source, IdempotencyID: r.IdempotencyKey,
		UniqueID: r.UniqueID, CreatedAt: r.CreatedAt}
	if r.Reading != nil {
		s := r.Reading.String()
		u.Reading = &s
	}
	if r.ReportedBy != 0 {
		by := r.ReportedBy
		u.ReportedBy = &by
	}
	if r.VoidedAt != nil {
		at, by := *r.VoidedAt, r.VoidedBy
		u.VoidedAt, u.VoidedBy, u.VoidReason = &at, &by, r.VoidReason
	}
	return u
}

// UsageSummary is a metric's usage over a window, aggregated as the metric
// says: the quantity billing prices.
type UsageSummary struct {
	SubscriptionID int64      `json:"subscription_id"`
	Metric         string     `json:"metric"`
	Unit           string     `json:"unit"`
	Aggregation    string     `json:"aggregation" enum:"sum,max,average,last,unique_count"`
	From           *time.Time `json:"from,omitempty" doc:"absent: from the first record"`
	To             *time.Time `json:"to,omitempty" doc:"absent: up to now"`
	Quantity       string     `json:"quantity" doc:"a decimal string; averages have up to 12 decimals"`
	Records        int        `json:"records" doc:"how many records were aggregated"`
}

// UsageWindow is the time window of the usage reads.
type UsageWindow struct {
	From time.Time `query:"from" doc:"RFC 3339; records whose period starts at or after it"`
	To   time.Time `query:"to" doc:"RFC 3339; records whose period starts before it"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (s *Server) registerUsage() {
	tags := []string{"Usage"}
	base := "/api/v1/subscriptions/{id}/usage"
	register(s, huma.Operation{OperationID: "create-usage", Method: http.MethodPost, Path: base,
		Summary: "Report usage of a metric (provider)",
		Description: "The product's vendor (or the platform) reports a quantity of one of the plan's metrics. With an idempotency id (body or " +
			"Idempotency-Key header), a repeat of the same report answers the first record with 200 and counts nothing; the same id with " +
			"another report is refused (422).",
		Tags: tags, Errors: []int{http.StatusForbidden, http.StatusConflict}},
		func(ctx context.Context, in *struct {
			IDInput
			IdempotencyKey string `header:"Idempotency-Key" maxLength:"200" doc:"the same as idempotency_id in the body"`
			Body           UsageCreate
		}) (*struct {
			Status int
			Body   Usage
		}, error) {
			b := in.Body
			r := usage.Report{Metric: b.Metric, OccurredAt: b.OccurredAt, IdempotencyKey: b.IdempotencyID, UniqueID: b.UniqueID}
			q, err := decimal.NewFromString(b.Quantity)
			if err != nil {
				return nil, mercato.Invalid("invalid usage", mercato.FieldError{Path: "quantity", Message: "must be a decimal string", Value: b.Quantity})
			}
			r.Quantity = q
			if b.Period != nil {
				r.PeriodStart, r.PeriodEnd = &b.Period.Start, &b.Period.End
			}
			switch {
			case in.IdempotencyKey == "":
			case r.IdempotencyKey == "":
				r.IdempotencyKey = in.IdempotencyKey
			case r.IdempotencyKey != in.IdempotencyKey:
				return nil, mercato.Invalid("invalid usage", mercato.FieldError{Path: "idempotency_id", Message: "differs from the Idempotency-Key header"})
			}
			rec, replayed, err := s.services.Usage.RecordUsage(ctx, principal(ctx), in.ID, r)
			if err != nil {
				return nil, err
			}
			status := http.StatusCreated
			if replayed {
				status = http.StatusOK
			}
			return &struct {
				Status int
				Body   Usage
			}{status, usageOf(rec)}, nil
		})
	register(s, huma.Operation{OperationID: "void-usage", Method: http.MethodPost, Path: base + "/{usage_id}/void",
		Summary: "Void a usage record (provider)",
		Description: "The product's vendor (or the platform) voids a usage record it reported wrongly: the record is kept, marked void with " +
			"who voided it, when and why (audited), and counts in no summary and no bill from then on. A record whose period's usage " +
			"was charged already cannot be voided (409): credit the invoice instead. Voiding a void record answers it unchanged.",
		Tags: tags, Errors: []int{http.StatusForbidden, http.StatusConflict}, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct {
			IDInput
			UsageID int64 `path:"usage_id" minimum:"1"`
			Body    UsageVoid
		}) (*Output[Usage], error) {
			rec, err := s.services.Usage.VoidUsage(ctx, principal(ctx), in.ID, in.UsageID, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			return out(usageOf(rec)), nil
		})
	register(s, huma.Operation{OperationID: "list-usage", Method: http.MethodGet, Path: base,
		Summary: "List a subscription's usage records", Description: "Oldest first. Everyone who sees the subscription reads its usage.", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			ListInput
			UsageWindow
			Metric string `query:"metric" maxLength:"64"`
			Source string `query:"source" enum:"push,poll"`
		}) (*ListOutput[Usage], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]usage.Record, int64, error) {
				return s.services.Usage.ListUsage(ctx, principal(ctx), in.ID, usage.Filter{Metric: in.Metric, Source: in.Source, From: in.From, To: in.To}, p)
			}, usageOf)
		})
	register(s, huma.Operation{OperationID: "get-usage-summary", Method: http.MethodGet, Path: base + "/summary",
		Summary: "Aggregate a subscription's usage of one metric",
		Description: "Folds the records whose period starts in [from, to) with the metric's aggregation: sum, max, average (mean of the " +
			"records, 12 decimals), last (latest period start) or unique_count (distinct unique_id).", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			UsageWindow
			Metric string `query:"metric" required:"true" minLength:"1" maxLength:"64"`
		}) (*Output[UsageSummary], error) {
			sum, err := s.services.Usage.Summary(ctx, principal(ctx), in.ID, in.Metric, in.From, in.To)
			if err != nil {
				return nil, err
			}
			return out(UsageSummary{SubscriptionID: sum.SubscriptionID, Metric: sum.Metric, Unit: sum.Unit, Aggregation: sum.Aggregation,
				From: timePtr(sum.From), To: timePtr(sum.To), Quantity: sum.Quantity.String(), Records: sum.Records}), nil
		})
}
