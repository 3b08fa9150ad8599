package cloudesire

import (
	"context"
	"net/http"
	"strconv"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// Events reads the lifecycle events of the subscriptions the caller sees
// (internal/webhooks: the outbox's events, each visible to whoever sees
// its subscription).
type Events interface {
	ListEvents(ctx context.Context, p mercato.Principal, f webhooks.EventFilter, page mercato.Page) ([]subscription.Event, int64, error)
}

// maxChangelog bounds a changelog's entries: the oldest first, so that a
// subscription with more (years of monthly renewals) shows its beginning.
const maxChangelog = 1000

// ChangeLogEntry is one change of a subscription: an event of the outbox
// as its receivers got it (type CREATED, MODIFIED or DELETED, with the
// event's metadata, such as the deploymentStatus it moved to). Cloudesire
// documents no shape for subscription/{id}/changelog beyond the name of
// the detail's changelog field, so the entries are the notifications'
// own fields.
type ChangeLogEntry struct {
	ID        int64             `json:"id" doc:"the event's id (the notification's eventId)"`
	Date      Time              `json:"date"`
	Type      string            `json:"type" enum:"CREATED,MODIFIED,DELETED"`
	Entity    string            `json:"entity"`
	EntityURL string            `json:"entityUrl"`
	Metadata  map[string]string `json:"metadata"`
}

// changelog lists the subscription's events in the order they happened.
func (h *Handler) changelog(ctx context.Context, p mercato.Principal, _ *http.Request, id int64) (any, error) {
	// The subscription's own read answers 404 for one the caller does not
	// see, rather than an empty list.
	if _, err := h.Lifecycle.Subscription(ctx, p, id); err != nil {
		return nil, err
	}
	out := []ChangeLogEntry{}
	pg := mercato.Page{Limit: 200}
	for len(out) < maxChangelog {
		evs, next, err := h.Events.ListEvents(ctx, p, webhooks.EventFilter{Entity: subscription.EntitySubscription, EntityID: id}, pg)
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			md := ev.Metadata
			if md == nil {
				md = map[string]string{}
			}
			out = append(out, ChangeLogEntry{ID: ev.ID, Date: Time(ev.OccurredAt), Type: ev.Type, Entity: ev.Entity,
				EntityURL: "subscription/" + strconv.FormatInt(ev.EntityID, 10), Metadata: md})
		}
		if next == 0 {
			break
		}
		pg.After = next
	}
	return out[:min(len(out), maxChangelog)], nil
}
