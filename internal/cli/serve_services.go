package cli

import (
	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/web"
)

// appServices are the application services serve builds once over the
// store and hands to the transports and workers.
type appServices struct {
	Billing      *billingrun.Service
	Provisioning *provisioning.Service
}

func newServices(st *store.Store) *appServices {
	return &appServices{
		Billing:      billingrun.New(st, store.TxFunc[billingrun.Tx](st)),
		Provisioning: provisioning.New(st, store.TxFunc[provisioning.Tx](st)),
	}
}

func (sv *appServices) apiOptions() []api.Option {
	return []api.Option{api.WithBilling(sv.Billing), api.WithProvisioning(sv.Provisioning)}
}

func (sv *appServices) webOptions() []web.Option {
	return []web.Option{web.WithBilling(sv.Billing), web.WithProvisioning(sv.Provisioning)}
}
