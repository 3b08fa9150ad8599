package webhooks

import (
	"context"
	"time"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/syndication"
)

// Delivery is where an endpoint's deliveries stand: how many wait, when
// the next of them is tried, and the endpoint's last attempt.
type Delivery struct {
	Pending     int64
	NextAttempt time.Time           // zero when nothing waits
	Last        syndication.Attempt // zero when never tried
}

// Health is an endpoint with its deliveries.
type Health struct {
	Endpoint syndication.Endpoint
	Delivery
}

// Trouble tells whether the endpoint needs the operator's eye: disabled,
// or its last attempt failed (its deliveries back off until the next try).
func (h Health) Trouble() bool { return !h.Endpoint.Enabled || !h.Endpoint.FailingSince.IsZero() }

// Health lists every endpoint with its deliveries, those in trouble
// first: the platform only.
func (s *Service) Health(ctx context.Context, p mercato.Principal) ([]Health, error) {
	if !p.IsPlatform() {
		return nil, mercato.Errorf(mercato.EFORBIDDEN, "the health of every endpoint is the platform's")
	}
	byEndpoint, err := s.reads.Deliveries(ctx)
	if err != nil {
		return nil, err
	}
	var trouble, fine []Health
	for after := int64(0); ; {
		eps, next, err := s.reads.ListEndpoints(ctx, p, EndpointFilter{}, mercato.Page{After: after, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, e := range eps {
			e.Secret, e.PreviousSecret = "", "" // not for a health page
			h := Health{Endpoint: e, Delivery: byEndpoint[e.ID]}
			if h.Trouble() {
				trouble = append(trouble, h)
			} else {
				fine = append(fine, h)
			}
		}
		if next == 0 {
			break
		}
		after = next
	}
	return append(trouble, fine...), nil
}
