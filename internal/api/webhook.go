package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/messaging"
	"github.com/mercato-market/mercato/internal/syndication"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// webhookConfig is how the server checks webhook URLs and sends test events.
type webhookConfig struct {
	policy syndication.URLPolicy
	test   func(context.Context, syndication.Endpoint) syndication.Attempt
}

// WithWebhooks sets the URL policy for webhook endpoints and the function
// that sends a test event (the dispatcher's).
func WithWebhooks(policy syndication.URLPolicy, test func(context.Context, syndication.Endpoint) syndication.Attempt) Option {
	return func(s *Server) { s.webhooks.policy, s.webhooks.test = policy, test }
}

// WebhookEndpoint is where a vendor (or the platform) receives notifications.
type WebhookEndpoint struct {
	ID             int64     `json:"id"`
	OwnerID        int64     `json:"owner_id"`
	ProductID      *int64    `json:"product_id" nullable:"true" doc:"null: every product of the owner"`
	URL            string    `json:"url"`
	Events         []string  `json:"events" doc:"entities (Subscription) or entity.TYPE (Subscription.CREATED); empty: everything"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabled_reason,omitempty"`
	Secret         string    `json:"secret,omitempty" doc:"the signing secret: shown in full only when created or rotated"`
	SecretHint     string    `json:"secret_hint" doc:"the end of the secret, to recognise it"`
	FailingSince   *string   `json:"failing_since,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

func endpointOf(e syndication.Endpoint) WebhookEndpoint {
	out := WebhookEndpoint{ID: e.ID, OwnerID: e.OwnerID, ProductID: e.ProductID, URL: e.URL, Events: e.Events, Enabled: e.Enabled,
		DisabledReason: e.DisabledReason, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if len(e.Secret) > 4 {
		out.SecretHint = "…" + e.Secret[len(e.Secret)-4:]
	}
	if !e.FailingSince.IsZero() {
		f := e.FailingSince.Format(time.RFC3339)
		out.FailingSince = &f
	}
	if out.Events == nil {
		out.Events = []string{}
	}
	return out
}

// WebhookEndpointCreate is the body that creates an endpoint.
type WebhookEndpointCreate struct {
	URL     string   `json:"url" minLength:"1" maxLength:"2000"`
	Events  []string `json:"events,omitempty" maxItems:"20" nullable:"true"`
	OwnerID int64    `json:"owner_id,omitempty" minimum:"1" doc:"platform only: the vendor the endpoint is for"`
	Secret  string   `json:"secret,omitempty" minLength:"16" maxLength:"256" doc:"the signing secret, when the receiver keeps one (a Cloudesire secret: printable ASCII without spaces, signing CMW-Event-Signature only; or a whsec_ secret, signing both schemes); a new whsec_ secret when absent"`
}

// WebhookEndpointUpdate is the body of PATCH /api/v1/webhook-endpoints/{id}.
type WebhookEndpointUpdate struct {
	URL     *string   `json:"url,omitempty" minLength:"1" maxLength:"2000"`
	Events  *[]string `json:"events,omitempty" maxItems:"20"`
	Enabled *bool     `json:"enabled,omitempty" doc:"enabling a disabled endpoint sends what waited for it"`
	Secret  *string   `json:"secret,omitempty" minLength:"16" maxLength:"256" doc:"a signing secret the receiver keeps (as on create); the current one keeps signing for 24 hours"`
}

// DeliveryAttempt is one entry of the delivery log.
type DeliveryAttempt struct {
	ID          int64     `json:"id"`
	EndpointID  int64     `json:"endpoint_id"`
	EventID     int64     `json:"event_id"`
	AttemptedAt time.Time `json:"attempted_at"`
	StatusCode  int       `json:"status_code" doc:"0 when no answer came"`
	LatencyMS   float64   `json:"latency_ms"`
	Error       string    `json:"error,omitempty"`
	Response    string    `json:"response" doc:"the first KiB of the answer"`
}

func attemptOf(a syndication.Attempt) DeliveryAttempt {
	return DeliveryAttempt{ID: a.ID, EndpointID: a.EndpointID, EventID: a.EventID, AttemptedAt: a.AttemptedAt, StatusCode: a.StatusCode,
		LatencyMS: float64(a.Latency.Microseconds()) / 1000, Error: a.Error, Response: a.Response}
}

// ReplayRequest names what to send again: one event, or a time range.
type ReplayRequest struct {
	EventID int64      `json:"event_id,omitempty" minimum:"1"`
	From    *time.Time `json:"from,omitempty" doc:"with to: every event sent to the endpoint in [from, to)"`
	To      *time.Time `json:"to,omitempty"`
}

// ReplayResult says how many deliveries were made due again.
type ReplayResult struct {
	Replayed int64 `json:"replayed"`
}

// Notification is a message from the platform to an organization.
type Notification struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Message   string    `json:"message"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) createEndpoint(ctx context.Context, productID *int64, b WebhookEndpointCreate) (*Output[WebhookEndpoint], error) {
	if err := s.webhooks.policy.Check(ctx, b.URL); err != nil {
		return nil, err
	}
	e, err := s.services.Webhooks.CreateEndpoint(ctx, principal(ctx), syndication.Endpoint{OwnerID: b.OwnerID, ProductID: productID, URL: b.URL, Events: b.Events, Secret: b.Secret})
	if err != nil {
		return nil, err
	}
	return out(withSecret(e)), nil
}

// withSecret is an endpoint with its whole secret, as shown once when it
// is created or rotated.
func withSecret(e syndication.Endpoint) WebhookEndpoint {
	body := endpointOf(e)
	body.Secret = e.Secret
	return body
}

func (s *Server) registerWebhooks() {
	tags := []string{"Webhooks"}
	register(s, huma.Operation{OperationID: "create-product-webhook-endpoint", Description: "Registers an endpoint that receives the lifecycle events of one product, signed with a new secret shown in this answer only. Only the product's vendor and the platform register; the URL must be https and resolve to public addresses (unless the operator allows private ones). Optional events filter which are sent.", Method: http.MethodPost, Path: "/api/v1/products/{id}/webhook-endpoints",
		Summary: "Receive the events of one product", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body WebhookEndpointCreate
		}) (*Output[WebhookEndpoint], error) {
			return s.createEndpoint(ctx, &in.ID, in.Body)
		})
	register(s, huma.Operation{OperationID: "create-webhook-endpoint", Description: "Registers an endpoint that receives the events of all of the vendor's products, or for the platform every event (owner_id: the platform registers one for a vendor). Signed with a new secret shown in this answer only; the URL must be https and resolve to public addresses (unless the operator allows private ones).", Method: http.MethodPost, Path: "/api/v1/webhook-endpoints",
		Summary: "Receive the events of all your products (the platform's: every event)", Tags: tags},
		func(ctx context.Context, in *struct{ Body WebhookEndpointCreate }) (*Output[WebhookEndpoint], error) {
			return s.createEndpoint(ctx, nil, in.Body)
		})
	register(s, huma.Operation{OperationID: "list-webhook-endpoints", Description: "Lists the caller's webhook endpoints (the platform: everyone's), optionally of one product, with the end of their secret only. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/webhook-endpoints", Summary: "List your webhook endpoints", Tags: tags},
		func(ctx context.Context, in *struct {
			ListInput
			ProductID int64 `query:"product_id" minimum:"0"`
		}) (*ListOutput[WebhookEndpoint], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]syndication.Endpoint, int64, error) {
				return s.services.Webhooks.ListEndpoints(ctx, principal(ctx), webhooks.EndpointFilter{ProductID: in.ProductID}, p)
			}, endpointOf)
		})
	register(s, huma.Operation{OperationID: "get-webhook-endpoint", Description: "Returns one of the caller's webhook endpoints with its state (enabled, failing since, why it was disabled), never its whole secret. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/webhook-endpoints/{id}", Summary: "Get a webhook endpoint", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[WebhookEndpoint], error) {
			e, err := s.services.Webhooks.Endpoint(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(endpointOf(e)), nil
		})
	register(s, huma.Operation{OperationID: "update-webhook-endpoint", Description: "Changes an endpoint's URL or event filter, or disables or re-enables it; re-enabling sends the deliveries that waited. Only the endpoint's owner and the platform change it.", Method: http.MethodPatch, Path: "/api/v1/webhook-endpoints/{id}", Summary: "Change, disable or re-enable a webhook endpoint", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body WebhookEndpointUpdate
		}) (*Output[WebhookEndpoint], error) {
			if in.Body.URL != nil {
				if err := s.webhooks.policy.Check(ctx, *in.Body.URL); err != nil {
					return nil, err
				}
			}
			e, err := s.services.Webhooks.UpdateEndpoint(ctx, principal(ctx), in.ID, syndication.EndpointChange{URL: in.Body.URL, Events: in.Body.Events, Enabled: in.Body.Enabled, Secret: in.Body.Secret})
			if err != nil {
				return nil, err
			}
			return out(endpointOf(e)), nil
		})
	register(s, huma.Operation{OperationID: "delete-webhook-endpoint", Description: "Deletes a webhook endpoint with its pending deliveries and its delivery log; nothing more is sent to it. Only its owner and the platform delete it.", Method: http.MethodDelete, Path: "/api/v1/webhook-endpoints/{id}", Summary: "Delete a webhook endpoint", Tags: tags, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *IDInput) (*NoContent, error) {
			return nil, s.services.Webhooks.DeleteEndpoint(ctx, principal(ctx), in.ID)
		})
	register(s, huma.Operation{OperationID: "rotate-webhook-secret", Description: "Replaces the endpoint's signing secret with a new one, shown in this answer only; deliveries carry signatures with both secrets for 24 hours so the receiver can switch over. Only the endpoint's owner and the platform rotate it.", Method: http.MethodPost, Path: "/api/v1/webhook-endpoints/{id}/rotate-secret",
		Summary: "Rotate the signing secret; the old one keeps signing for 24 hours", Tags: tags, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *IDInput) (*Output[WebhookEndpoint], error) {
			e, err := s.services.Webhooks.RotateSecret(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(withSecret(e)), nil
		})
	register(s, huma.Operation{OperationID: "test-webhook-endpoint", Description: "Sends a signed stub event (Subscription 0, MODIFIED) to one of the caller's endpoints now and answers with what happened: status code, latency and the start of the reply; the stub changes nothing and is not in the delivery log. 409 when this process does not deliver webhooks.", Method: http.MethodPost, Path: "/api/v1/webhook-endpoints/{id}/test",
		Summary: "Send a stub event now and show the answer", Tags: tags, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *IDInput) (*Output[DeliveryAttempt], error) {
			e, err := s.services.Webhooks.Endpoint(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			if s.webhooks.test == nil {
				return nil, mercato.Errorf(mercato.ECONFLICT, "webhook delivery is not running in this process")
			}
			return out(attemptOf(s.webhooks.test(ctx, e))), nil
		})
	register(s, huma.Operation{OperationID: "replay-webhook-events", Description: "Makes deliveries to the endpoint due again: one event by id, or every event sent to it in [from, to). The dispatcher sends them again as soon as it runs; the answer says how many. Only the endpoint's owner and the platform replay.", Method: http.MethodPost, Path: "/api/v1/webhook-endpoints/{id}/replay",
		Summary: "Send one event, or every event of a time range, again", Tags: tags, DefaultStatus: http.StatusOK},
		func(ctx context.Context, in *struct {
			IDInput
			Body ReplayRequest
		}) (*Output[ReplayResult], error) {
			r := syndication.Replay{EventID: in.Body.EventID}
			if r.EventID == 0 && in.Body.From != nil && in.Body.To != nil {
				r.From, r.To = *in.Body.From, *in.Body.To
			}
			n, err := s.services.Webhooks.Replay(ctx, principal(ctx), in.ID, r)
			if err != nil {
				return nil, err
			}
			return out(ReplayResult{Replayed: n}), nil
		})
	register(s, huma.Operation{OperationID: "list-webhook-attempts", Description: "Returns the delivery log of one of the caller's endpoints, newest first: every attempt with its status code, latency and the start of the answer, optionally of one event. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/webhook-endpoints/{id}/attempts",
		Summary: "The delivery log of an endpoint, newest first", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			ListInput
			EventID int64 `query:"event_id" minimum:"0"`
		}) (*ListOutput[DeliveryAttempt], error) {
			return listPage(in.ListInput, func(p mercato.Page) ([]syndication.Attempt, int64, error) {
				return s.services.Webhooks.ListAttempts(ctx, principal(ctx), webhooks.AttemptFilter{EndpointID: in.ID, EventID: in.EventID}, p)
			}, attemptOf)
		})
	register(s, huma.Operation{OperationID: "list-notifications", Description: "Lists the latest messages from the platform to the caller's organization (such as dunning reminders and disabled webhook endpoints), newest first. Changes nothing.", Method: http.MethodGet, Path: "/api/v1/notifications", Summary: "Messages to your organization", Tags: []string{"Notifications"}},
		func(ctx context.Context, _ *struct{}) (*ListOutput[Notification], error) {
			items, err := s.services.Messaging.ListNotifications(ctx, principal(ctx))
			if err != nil {
				return nil, err
			}
			return listOf(items, 0, func(n messaging.Notification) Notification {
				return Notification{ID: n.ID, Kind: n.Kind, Message: n.Message, CreatedAt: n.CreatedAt}
			}), nil
		})
}
