package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/mercato"
)

// AuditEntry is one change in the audit log.
type AuditEntry struct {
	ID          int64          `json:"id"`
	OccurredAt  time.Time      `json:"occurred_at"`
	ActorUserID int64          `json:"actor_user_id" doc:"0 for the system's own work (billing runs, dunning)"`
	ActorOrgID  int64          `json:"actor_organization_id"`
	Action      string         `json:"action" doc:"e.g. price.set, endpoint.rotate_secret, subscription.suspend"`
	Entity      string         `json:"entity"`
	EntityID    int64          `json:"entity_id"`
	Details     map[string]any `json:"details"`
}

func auditOf(e mercato.AuditEntry) AuditEntry {
	return AuditEntry{ID: e.ID, OccurredAt: e.OccurredAt, ActorUserID: e.ActorUserID, ActorOrgID: e.ActorOrgID, Action: e.Action,
		Entity: e.Entity, EntityID: e.EntityID, Details: e.Details}
}

func (s *Server) registerAudit() {
	register(s, huma.Operation{OperationID: "list-audit-log", Description: "Lists the audit log, newest first, one page at a time: every change made by the users of the caller's organization (the platform: by everyone), with the action, the entity and the details. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/audit-log",
		Summary: "Who changed what: every change by your organization's users (the platform: everyone's)", Tags: []string{"Audit"}},
		func(ctx context.Context, in *struct {
			ListInput
			Entity   string `query:"entity" maxLength:"40"`
			EntityID int64  `query:"entity_id" minimum:"0"`
		}) (*ListOutput[AuditEntry], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]mercato.AuditEntry, int64, error) {
				return s.services.Accounts.ListAudit(ctx, principal(ctx), mercato.AuditFilter{Entity: in.Entity, EntityID: in.EntityID}, p)
			}, auditOf)
		})
}
