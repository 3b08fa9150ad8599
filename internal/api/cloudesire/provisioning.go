package cloudesire

import (
	"context"
	"net/http"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Provisioning is the provisioning-data service the handlers call
// (internal/provisioning).
type Provisioning interface {
	SetEndpoints(ctx context.Context, p mercato.Principal, id int64, eps []subscription.Endpoint) ([]subscription.Endpoint, error)
	SetInstructions(ctx context.Context, p mercato.Principal, id int64, m map[string]string) (map[string]string, error)
	AddCredentials(ctx context.Context, p mercato.Principal, id int64, cs []subscription.Credential) ([]subscription.Credential, error)
	Metadata
}

func (h *Handler) postEndpoints(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var body []Endpoint
	if err := decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	eps := make([]subscription.Endpoint, 0, len(body))
	for _, e := range body {
		eps = append(eps, subscription.Endpoint{Endpoint: e.Endpoint, Description: e.Description, Category: subscription.EndpointCategory(e.Category)})
	}
	got, err := h.Provisioning.SetEndpoints(ctx, p, id, eps)
	if err != nil {
		return 0, nil, err
	}
	out := make([]Endpoint, 0, len(got))
	for _, e := range got {
		out = append(out, Endpoint{Endpoint: e.Endpoint, Description: e.Description, Category: string(e.Category)})
	}
	return http.StatusOK, out, nil
}

func (h *Handler) postInstructions(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	var body map[string]string
	if err := decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	got, err := h.Provisioning.SetInstructions(ctx, p, id, body)
	return http.StatusOK, got, err
}

// postCredentials answers the credentials stored as GET shows them:
// without values, descriptions in the caller's language.
func (h *Handler) postCredentials(ctx context.Context, p mercato.Principal, w http.ResponseWriter, r *http.Request) (int, any, error) {
	id, lang, err := idAndLanguage(r)
	if err != nil {
		return 0, nil, err
	}
	var body []struct {
		Key         string            `json:"key"`
		Value       string            `json:"value"`
		Description map[string]string `json:"description"`
		Weight      int               `json:"weight"`
	}
	if err := decode(w, r, &body); err != nil {
		return 0, nil, err
	}
	cs := make([]subscription.Credential, 0, len(body))
	for _, c := range body {
		cs = append(cs, subscription.Credential{Key: c.Key, Value: c.Value, Description: c.Description, Weight: c.Weight})
	}
	got, err := h.Provisioning.AddCredentials(ctx, p, id, cs)
	if err != nil {
		return 0, nil, err
	}
	out := make([]Credential, 0, len(got))
	for _, c := range got {
		out = append(out, Credential{Key: c.Key, Description: localized(c.Description, lang), Weight: c.Weight}) // value: null
	}
	return http.StatusOK, out, nil
}
