package retention

import (
	"context"
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
)

// Settings is where the policy is kept.
type Settings interface {
	RetentionPolicy(ctx context.Context) (Policy, error)
	SaveRetentionPolicy(ctx context.Context, p *Policy) error
}

// Service holds the policy's use cases: the platform's operator reads and
// sets it.
type Service struct{ st Settings }

// NewService returns the use cases over st.
func NewService(st Settings) *Service { return &Service{st: st} }

func mayOperate(p mercato.Principal, write bool) error {
	if !p.IsPlatform() || (write && !p.CanWrite()) {
		return mercato.Errorf(mercato.EFORBIDDEN, "only the platform's operator manages retention")
	}
	return nil
}

// Policy returns the retention policy, the defaults until it is set (the
// platform only).
func (s *Service) Policy(ctx context.Context, p mercato.Principal) (Policy, error) {
	if err := mayOperate(p, false); err != nil {
		return Policy{}, err
	}
	return s.st.RetentionPolicy(ctx)
}

// SetPolicy validates and saves the policy (the platform's writers only);
// the pruner applies it at its next pass.
func (s *Service) SetPolicy(ctx context.Context, p mercato.Principal, policy Policy) (Policy, error) {
	if err := mayOperate(p, true); err != nil {
		return policy, err
	}
	if err := policy.Validate(); err != nil {
		return policy, err
	}
	if err := s.st.SaveRetentionPolicy(ctx, &policy); err != nil {
		return policy, fmt.Errorf("retention policy: %w", err)
	}
	return policy, nil
}
