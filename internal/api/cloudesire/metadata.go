package cloudesire

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// A subscription's metadata (Cloudesire's subscription/{id}/metadata) is
// Mercato's integration metadata of the subscription (internal/provisioning:
// its provider and the platform write it, whoever sees the subscription
// reads it), and its termination (DELETE subscription/{id}).

// Metadata is the provisioning service's integration metadata
// (internal/provisioning).
type Metadata interface {
	Metadata(ctx context.Context, p mercato.Principal, id int64) (map[string]string, error)
	SetMetadata(ctx context.Context, p mercato.Principal, id int64, m map[string]string) (map[string]string, error)
}

// Terminator ends subscriptions (internal/lifecycle).
type Terminator interface {
	Act(ctx context.Context, p mercato.Principal, id int64, a subscription.Action) (subscription.Subscription, error)
}

func (h *Handler) getMetadata(ctx context.Context, p mercato.Principal, r *http.Request, id int64) (any, error) {
	return h.Provisioning.Metadata(ctx, p, id)
}

// putMetadata replaces the metadata as a whole. Cloudesire's clients send
// a Map<String, Object>; Mercato keeps text, so a value that is not a
// string is kept as its JSON text (3, true, {"a":1}) and read back as a
// string; a null drops its key.
func (h *Handler) putMetadata(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var body map[string]json.RawMessage
	if err := decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	m := make(map[string]string, len(body))
	for k, raw := range body {
		var s string
		switch {
		case string(raw) == "null":
			continue
		case json.Unmarshal(raw, &s) == nil:
			m[k] = s
		default:
			m[k] = string(raw)
		}
	}
	got, err := h.Provisioning.SetMetadata(ctx, p, id, m)
	return http.StatusOK, got, err
}

// deleteSubscription terminates the subscription, as Cloudesire's DELETE
// does: the provider is asked to deprovision (UNDEPLOY_SENT), and the
// subscription ends when it confirms (see docs/architecture.md,
// Termination). Who may terminate is the lifecycle's permission table
// (the customer, its seller, the platform): its provider may not.
func (h *Handler) deleteSubscription(ctx context.Context, p mercato.Principal, _ http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	sub, err := h.Lifecycle.Act(ctx, p, id, subscription.ActionTerminate)
	if err != nil {
		return 0, nil, err
	}
	if sub.TerminateAt != nil && subscription.Changeable(sub.Status) {
		// Committed: accepted, and done at the end of the term.
		return http.StatusAccepted, nil, nil
	}
	return http.StatusNoContent, nil, nil
}
