package mercato

import "time"

// AuditEntry records who changed what.
type AuditEntry struct {
	ID          int64
	OccurredAt  time.Time
	ActorUserID int64
	ActorOrgID  int64
	Action      string // e.g. "price.set", "subscription.suspend"
	Entity      string // e.g. "plan", "subscription"
	EntityID    int64
	Details     map[string]any
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Entity   string
	EntityID int64
}
