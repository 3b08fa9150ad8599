package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/retention"
)

// Retention is the retention service the API calls (internal/retention).
type Retention interface {
	Policy(ctx context.Context, p mercato.Principal) (retention.Policy, error)
	SetPolicy(ctx context.Context, p mercato.Principal, policy retention.Policy) (retention.Policy, error)
}

// RetentionPolicy says how long the webhook log and lifecycle events are
// kept before the pruner deletes them.
type RetentionPolicy struct {
	AttemptsDays   int        `json:"attempts_days" minimum:"1" maximum:"36500" example:"30" doc:"days delivery attempts (the endpoints' delivery log) are kept"`
	DeliveriesDays int        `json:"deliveries_days" minimum:"1" maximum:"36500" example:"90" doc:"days delivered deliveries are kept; pending ones are kept until delivered"`
	EventsDays     int        `json:"events_days" minimum:"1" maximum:"36500" example:"400" doc:"days lifecycle events are kept once nothing refers to them; at least deliveries_days"`
	UpdatedAt      *time.Time `json:"updated_at,omitempty" readOnly:"true" doc:"absent while the defaults apply"`
}

func retentionPolicyOf(p retention.Policy) RetentionPolicy {
	out := RetentionPolicy{AttemptsDays: p.Attempts, DeliveriesDays: p.Deliveries, EventsDays: p.Events}
	if !p.UpdatedAt.IsZero() {
		t := p.UpdatedAt
		out.UpdatedAt = &t
	}
	return out
}

func (s *Server) registerRetention() {
	tags := []string{"Operator"}
	register(s, huma.Operation{OperationID: "get-retention-policy", Description: "Returns how many days delivery attempts, delivered deliveries and lifecycle events are kept before the hourly pruner deletes them; the defaults (30, 90, 400) until set. The platform only. Changes nothing.",
		Method: http.MethodGet, Path: "/api/v1/operator/retention", Summary: "Get the retention policy", Tags: tags, Errors: []int{http.StatusForbidden}},
		func(ctx context.Context, _ *struct{}) (*Output[RetentionPolicy], error) {
			p, err := s.services.Retention.Policy(ctx, principal(ctx))
			if err != nil {
				return nil, err
			}
			return out(retentionPolicyOf(p)), nil
		})
	register(s, huma.Operation{OperationID: "put-retention-policy", Description: "Replaces the retention policy; the pruner applies it at its next pass. Bad fields answer 422 naming them and nothing is saved. The platform's writers only.",
		Method: http.MethodPut, Path: "/api/v1/operator/retention", Summary: "Set the retention policy", Tags: tags, Errors: []int{http.StatusForbidden}},
		func(ctx context.Context, in *struct{ Body RetentionPolicy }) (*Output[RetentionPolicy], error) {
			b := in.Body
			p, err := s.services.Retention.SetPolicy(ctx, principal(ctx), retention.Policy{Attempts: b.AttemptsDays, Deliveries: b.DeliveriesDays, Events: b.EventsDays})
			if err != nil {
				return nil, err
			}
			return out(retentionPolicyOf(p)), nil
		})
}
