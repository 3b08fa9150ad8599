package syndication

import (
	"encoding/json"
	"time"

	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/pkg/webhook"
)

// Body is the notification an event becomes on the wire: what the
// dispatcher posts, and what the delivery log shows as its payload.
func Body(ev subscription.Event) ([]byte, error) {
	n := webhook.Notification{
		Date:      ev.OccurredAt.UTC().Truncate(time.Second),
		Entity:    ev.Entity,
		EntityURL: EntityURL(ev.Entity, ev.EntityID),
		ID:        ev.EntityID,
		Type:      ev.Type,
		EventID:   ev.ID,
	}
	if len(ev.Metadata) > 0 {
		n.Metadata = map[string]any{}
		for k, v := range ev.Metadata {
			n.Metadata[k] = v
		}
	}
	return json.Marshal(n)
}
