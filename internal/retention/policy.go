// Package retention keeps storage bounded: the operator's policy of how
// long delivery attempts, delivered deliveries and events are kept, and a
// pruner that deletes what is older, a small batch at a time.
package retention

import (
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Policy says how many days each kind of record is kept.
type Policy struct {
	// Attempts: delivery attempts (the endpoints' delivery log).
	Attempts int
	// Deliveries: delivered deliveries, with the attempts left of them.
	// Pending deliveries are kept until delivered, however old.
	Deliveries int
	// Events: lifecycle events, once no delivery and no e-mail refers to
	// them and mail has considered them. No invoice and no audit record
	// reads them (an invoice keeps its own lines and issuer, the audit log
	// is a table of its own, never pruned); the default, 400 days, keeps a
	// yearly subscription's whole term and the month after it in the event
	// history (GET /api/v1/events).
	Events int
	// UpdatedAt is when the operator last set the policy; zero for the
	// defaults.
	UpdatedAt time.Time
}

// The defaults, and the bounds a policy must keep.
const (
	DefaultAttempts   = 30
	DefaultDeliveries = 90
	DefaultEvents     = 400
	MaxDays           = 36500
)

// Default is the policy until the operator sets one.
func Default() Policy {
	return Policy{Attempts: DefaultAttempts, Deliveries: DefaultDeliveries, Events: DefaultEvents}
}

// Validate checks each period is at least a day, and that events outlive
// the deliveries referring to them.
func (p Policy) Validate() error {
	var fe mercato.FieldErrors
	for _, f := range []struct {
		path string
		days int
	}{{"attempts_days", p.Attempts}, {"deliveries_days", p.Deliveries}, {"events_days", p.Events}} {
		if f.days < 1 || f.days > MaxDays {
			fe.Add(f.path, "must be from 1 to %d days", MaxDays)
		}
	}
	if len(fe) == 0 && p.Events < p.Deliveries {
		fe.Add("events_days", "must be at least deliveries_days (%d): a delivery refers to its event", p.Deliveries)
	}
	return fe.Err("invalid retention policy")
}

// Cutoffs are the instants before which each kind of record goes.
type Cutoffs struct {
	Attempts, Deliveries, Events time.Time
}

// Cutoffs returns the policy's cutoffs at now.
func (p Policy) Cutoffs(now time.Time) Cutoffs {
	days := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	return Cutoffs{Attempts: days(p.Attempts), Deliveries: days(p.Deliveries), Events: days(p.Events)}
}
