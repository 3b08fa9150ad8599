package web

import (
	"context"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/subscription"
)

// Billing is the billing service the panel calls (internal/billingrun).
type Billing interface {
	RunBilling(ctx context.Context, p mercato.Principal, opts billingrun.Options) (billing.Run, error)
	RenewalOffer(ctx context.Context, p mercato.Principal, id int64) (billing.Offer, error)
	ListBillingRuns(ctx context.Context, p mercato.Principal, limit int) ([]billing.Run, error)
}

// Provisioning is the provisioning-data service the panel reads through
// (internal/provisioning).
type Provisioning interface {
	Provisioning(ctx context.Context, p mercato.Principal, id int64) (subscription.Provisioning, error)
}

// services are the application services the pages call; the ones not
// given with an Option are built over the store.
type services struct {
	billing      Billing
	provisioning Provisioning
}

// WithBilling sets the billing service (default: internal/billingrun over
// the store).
func WithBilling(b Billing) Option { return func(s *Server) { s.services.billing = b } }

// WithProvisioning sets the provisioning-data service (default:
// internal/provisioning over the store).
func WithProvisioning(p Provisioning) Option {
	return func(s *Server) { s.services.provisioning = p }
}

func (sv *services) defaults(st *store.Store) {
	if sv.billing == nil {
		sv.billing = billingrun.New(st, store.TxFunc[billingrun.Tx](st))
	}
	if sv.provisioning == nil {
		sv.provisioning = provisioning.New(st, store.TxFunc[provisioning.Tx](st))
	}
}
