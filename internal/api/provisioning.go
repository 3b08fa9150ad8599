package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/mercato-market/mercato/internal/subscription"
)

// Endpoint is a link to a provisioned service.
type Endpoint struct {
	Endpoint    string `json:"endpoint" format:"uri" maxLength:"2000" pattern:"^https://" doc:"an https URL" example:"https://app.example.org/login"`
	Description string `json:"description,omitempty" maxLength:"1024" example:"Login page"`
	Category    string `json:"category" enum:"APP,PASSWORD_RESET,DOCUMENTATION,VIDEO" doc:"one endpoint must be APP"`
}

// Endpoints is a subscription's set of endpoints.
type Endpoints struct {
	Endpoints []Endpoint `json:"endpoints" minItems:"1" maxItems:"20"`
}

// Instructions are a subscription's end-user instructions by language.
type Instructions struct {
	Instructions map[string]string `json:"instructions" doc:"text by two-letter language code (ISO 639-1), e.g. {\"en\": \"Welcome…\"}"`
}

// CredentialInput is one first-access credential as its provider posts it.
type CredentialInput struct {
	Key         string            `json:"key" minLength:"1" maxLength:"100" example:"password"`
	Value       string            `json:"value" maxLength:"4096" doc:"sealed at rest; only the customer and the platform read it back"`
	Description map[string]string `json:"description,omitempty" doc:"text by two-letter language code"`
	Weight      int               `json:"weight,omitempty" minimum:"-1000000" maximum:"1000000" doc:"display order, lowest first"`
}

// CredentialsInput is the body of POST …/credentials.
type CredentialsInput struct {
	Credentials []CredentialInput `json:"credentials" minItems:"1" maxItems:"50" nullable:"true"`
}

// Credential is a stored credential; value only for the customer and the
// platform.
type Credential struct {
	Key         string            `json:"key"`
	Value       *string           `json:"value,omitempty" doc:"present only for the customer and the platform"`
	Description map[string]string `json:"description"`
	Weight      int               `json:"weight"`
	CreatedAt   time.Time         `json:"created_at"`
}

// Credentials is a subscription's list of credentials.
type Credentials struct {
	Credentials []Credential `json:"credentials"`
}

func endpointsOf(eps []subscription.Endpoint) Endpoints {
	out := Endpoints{Endpoints: make([]Endpoint, 0, len(eps))}
	for _, e := range eps {
		out.Endpoints = append(out.Endpoints, Endpoint{Endpoint: e.Endpoint, Description: e.Description, Category: string(e.Category)})
	}
	return out
}

func credentialsOf(cs []subscription.Credential, withValues bool) Credentials {
	out := Credentials{Credentials: make([]Credential, 0, len(cs))}
	for _, c := range cs {
		cr := Credential{Key: c.Key, Description: c.Description, Weight: c.Weight, CreatedAt: c.CreatedAt}
		if cr.Description == nil {
			cr.Description = map[string]string{}
		}
		if withValues {
			v := c.Value
			cr.Value = &v
		}
		out.Credentials = append(out.Credentials, cr)
	}
	return out
}

func (s *Server) registerProvisioning() {
	tags := []string{"Provisioning"}
	base := "/api/v1/subscriptions/{id}"
	register(s, huma.Operation{OperationID: "set-subscription-endpoints", Method: http.MethodPost, Path: base + "/endpoints", DefaultStatus: http.StatusOK,
		Summary: "Set the links to a provisioned subscription (provider)", Description: "Replaces the subscription's endpoints; one must have category APP. Writes a Subscription MODIFIED event.", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body Endpoints
		}) (*Output[Endpoints], error) {
			eps := make([]subscription.Endpoint, 0, len(in.Body.Endpoints))
			for _, e := range in.Body.Endpoints {
				eps = append(eps, subscription.Endpoint{Endpoint: e.Endpoint, Description: e.Description, Category: subscription.EndpointCategory(e.Category)})
			}
			got, err := s.services.Provisioning.SetEndpoints(ctx, principal(ctx), in.ID, eps)
			if err != nil {
				return nil, err
			}
			return out(endpointsOf(got)), nil
		})
	register(s, huma.Operation{OperationID: "get-subscription-endpoints", Description: "Returns the links to a provisioned subscription (the APP link and others) to everyone who can see the subscription. Changes nothing.", Method: http.MethodGet, Path: base + "/endpoints", Summary: "Get the links to a subscription", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Endpoints], error) {
			pr, err := s.services.Provisioning.Provisioning(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(endpointsOf(pr.Endpoints)), nil
		})
	register(s, huma.Operation{OperationID: "set-subscription-instructions", Method: http.MethodPut, Path: base + "/instructions",
		Summary: "Set the end-user instructions of a subscription (provider)", Description: "Replaces the instructions. Writes a Subscription MODIFIED event.", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body Instructions
		}) (*Output[Instructions], error) {
			got, err := s.services.Provisioning.SetInstructions(ctx, principal(ctx), in.ID, in.Body.Instructions)
			if err != nil {
				return nil, err
			}
			return out(Instructions{Instructions: got}), nil
		})
	register(s, huma.Operation{OperationID: "get-subscription-instructions", Description: "Returns a subscription's end-user instructions by language to everyone who can see the subscription. Changes nothing.", Method: http.MethodGet, Path: base + "/instructions", Summary: "Get the end-user instructions of a subscription", Tags: tags},
		func(ctx context.Context, in *IDInput) (*Output[Instructions], error) {
			pr, err := s.services.Provisioning.Provisioning(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(Instructions{Instructions: pr.Instructions}), nil
		})
	register(s, huma.Operation{OperationID: "add-subscription-credentials", Method: http.MethodPost, Path: base + "/credentials", DefaultStatus: http.StatusOK,
		Summary: "Add first-access credentials to a subscription (provider)", Description: "Values are sealed at rest and never shown to the provider again; a key given again replaces its credential. Writes a Subscription MODIFIED event.", Tags: tags},
		func(ctx context.Context, in *struct {
			IDInput
			Body CredentialsInput
		}) (*Output[Credentials], error) {
			cs := make([]subscription.Credential, 0, len(in.Body.Credentials))
			for _, c := range in.Body.Credentials {
				cs = append(cs, subscription.Credential{Key: c.Key, Value: c.Value, Description: c.Description, Weight: c.Weight})
			}
			got, err := s.services.Provisioning.AddCredentials(ctx, principal(ctx), in.ID, cs)
			if err != nil {
				return nil, err
			}
			return out(credentialsOf(got, false)), nil
		})
	register(s, huma.Operation{OperationID: "get-subscription-credentials", Description: "Reveals the first-access credentials of a subscription with their values. Only its customer and the platform read the values; anyone else who can see the subscription answers 403. Changes nothing.", Method: http.MethodGet, Path: base + "/credentials",
		Summary: "Reveal the credentials of a subscription (its customer and the platform)", Tags: tags, Errors: []int{http.StatusForbidden}},
		func(ctx context.Context, in *IDInput) (*Output[Credentials], error) {
			cs, err := s.services.Provisioning.Credentials(ctx, principal(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return out(credentialsOf(cs, true)), nil
		})
}
