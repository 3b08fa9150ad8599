package channel

import (
	"context"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/mercato"
)

// EarningsRequest names a party and a period: OrganizationID 0 means the
// caller's own organization (for the platform: the platform's fees).
type EarningsRequest struct {
	OrganizationID int64
	Period         string // 2026-03
}

// Validate checks the period is a month (YYYY-MM).
func (r EarningsRequest) Validate() error {
	if _, err := billing.ParseMonth(r.Period); err != nil {
		return mercato.Invalid("invalid earnings request", mercato.FieldError{Path: "period", Message: err.Error(), Value: r.Period})
	}
	return nil
}

// Earnings returns a party's earnings statement for a period, one
// statement per currency: every earnings entry of the invoices and credit
// notes issued for the period. Every party reads its own, a distributor
// its resellers' too (issue 18); the platform reads anyone's. Another
// party's statement is not found, as if the party did not exist.
func (s *Service) Earnings(ctx context.Context, p mercato.Principal, r EarningsRequest) ([]billing.Statement, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	org := r.OrganizationID
	if org == 0 {
		org = p.OrgID
	}
	if org != p.OrgID && !p.IsPlatform() && !s.resellerOf(ctx, p, org) {
		return nil, mercato.NotFound("organization", org)
	}
	return s.reads.Earnings(ctx, org, r.Period)
}

// resellerOf reports whether org is a reseller of the distributor p.
func (s *Service) resellerOf(ctx context.Context, p mercato.Principal, org int64) bool {
	if p.OrgKind != mercato.KindDistributor {
		return false
	}
	o, err := s.reads.Organization(ctx, p, org)
	return err == nil && o.Kind == mercato.KindReseller && o.ParentID != nil && *o.ParentID == p.OrgID
}
