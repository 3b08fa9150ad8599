// Package syndication is how the marketplace tells vendors of lifecycle
// events: webhook endpoints and their filters, the notification each event
// becomes (Cloudesire's wire format), the retry schedule, and the rules for
// webhook URLs. Delivery itself runs in package dispatch; the signatures come
// from pkg/webhook, the package vendors use to verify them.
package syndication

import (
	"fmt"
	"strings"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Endpoint is a URL that receives notifications: a vendor's for one product
// or all its products, or the platform's for every event.
type Endpoint struct {
	ID        int64
	OwnerID   int64  // the vendor, or the platform
	ProductID *int64 // nil: every product of the owner (vendor-wide)
	URL       string
	// Events filters what is sent: "Subscription" (every type) or
	// "Subscription.CREATED"; empty means everything.
	Events         []string
	Enabled        bool
	DisabledReason string
	// Secret signs every delivery; PreviousSecret signs too until
	// PreviousUntil, so a vendor can roll its verifier without losing events.
	Secret         string
	PreviousSecret string
	PreviousUntil  time.Time
	FailingSince   time.Time // zero when the last attempt succeeded
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Secrets returns the secrets that sign a delivery at instant now, newest first.
func (e Endpoint) Secrets(now time.Time) []string {
	if e.PreviousSecret != "" && now.Before(e.PreviousUntil) {
		return []string{e.Secret, e.PreviousSecret}
	}
	return []string{e.Secret}
}

// Entities lists the entities of lifecycle events.
var Entities = []string{subscription.EntitySubscription, subscription.EntityInvoice, subscription.EntityUser, subscription.EntityProductVersion}

// EventTypes lists the types of lifecycle events.
var EventTypes = []string{subscription.EventCreated, subscription.EventModified, subscription.EventDeleted}

// ValidateEvents checks an endpoint's filter.
func ValidateEvents(events []string) error {
	var fe mercato.FieldErrors
	for i, ev := range events {
		entity, typ, hasType := strings.Cut(ev, ".")
		ok := contains(Entities, entity) && (!hasType || contains(EventTypes, typ))
		if !ok {
			fe.Add(fmt.Sprintf("events[%d]", i), "must be an entity (%s), optionally with .CREATED, .MODIFIED or .DELETED", strings.Join(Entities, ", "))
		}
	}
	return fe.Err("invalid endpoint")
}

// FilterText encodes a filter for the database: ",A,B.CREATED," so that a
// LIKE finds an entry; "" for everything.
func FilterText(events []string) string {
	if len(events) == 0 {
		return ""
	}
	return "," + strings.Join(events, ",") + ","
}

// ParseFilterText decodes FilterText.
func ParseFilterText(s string) []string {
	s = strings.Trim(s, ",")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// EntityURL is where a vendor fetches an event's entity, relative to the
// Cloudesire-compatible API base /api/: "subscription/2388".
func EntityURL(entity string, id int64) string {
	if entity == "" {
		return fmt.Sprintf("%d", id)
	}
	return strings.ToLower(entity[:1]) + entity[1:] + "/" + fmt.Sprint(id)
}

// MessageID is the Standard Webhooks webhook-id of an event: the same on
// every attempt and every replay, so receivers can drop duplicates.
func MessageID(eventID int64) string { return fmt.Sprintf("msg_%d", eventID) }
