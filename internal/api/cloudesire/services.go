package cloudesire

import (
	"context"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Provisioning is the provisioning-data service the handlers call
// (internal/provisioning).
type Provisioning interface {
	SetEndpoints(ctx context.Context, p mercato.Principal, id int64, eps []subscription.Endpoint) ([]subscription.Endpoint, error)
	SetInstructions(ctx context.Context, p mercato.Principal, id int64, m map[string]string) (map[string]string, error)
	AddCredentials(ctx context.Context, p mercato.Principal, id int64, cs []subscription.Credential) ([]subscription.Credential, error)
}

// Option configures a Handler.
type Option func(*Handler)

// WithProvisioning sets the provisioning-data service (default:
// internal/provisioning over the store).
func WithProvisioning(p Provisioning) Option { return func(h *Handler) { h.provisioning = p } }
