package store

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
)

// audit writes an entry in the transaction of the change it records, so
// the entry exists if and only if the change does. Work done by the system
// itself (billing runs, dunning) has no user: actor 0.
func (s *Store) audit(ctx context.Context, tx *txn, p mercato.Principal, action, entity string, id int64, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	d, err := jsonText(details)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (occurred_at, actor_user_id, actor_org_id, action, entity, entity_id, details) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		s.now(), p.UserID, p.OrgID, action, entity, id, d); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// ListAudit lists audit entries, oldest first: the platform sees every
// entry, anyone else the changes its own organization's users made.
func (s *Store) ListAudit(ctx context.Context, p mercato.Principal, f mercato.AuditFilter, page Page) ([]mercato.AuditEntry, int64, error) {
	q := &query{}
	q.add("SELECT a.id, a.occurred_at, a.actor_user_id, a.actor_org_id, a.action, a.entity, a.entity_id, a.details FROM audit_log a WHERE ")
	if p.IsPlatform() {
		q.add("TRUE")
	} else {
		q.add("a.actor_org_id = %a", p.OrgID)
	}
	if f.Entity != "" {
		q.add(" AND a.entity = %a", f.Entity)
	}
	if f.EntityID != 0 {
		q.add(" AND a.entity_id = %a", f.EntityID)
	}
	return list(ctx, s.rd(), q, "a.id", page, "audit entries", func(row scanner) (mercato.AuditEntry, error) {
		var e mercato.AuditEntry
		err := row.Scan(&e.ID, &e.OccurredAt, &e.ActorUserID, &e.ActorOrgID, &e.Action, &e.Entity, &e.EntityID, jsonColumn{&e.Details})
		e.OccurredAt = e.OccurredAt.UTC()
		return e, err
	}, func(e mercato.AuditEntry) int64 { return e.ID })
}
