package cli

import (
	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/store"
	usagesvc "github.com/mercato-market/mercato/internal/usage"
	"github.com/mercato-market/mercato/internal/web"
)

// appServices are the application services serve builds once over the
// store and hands to the transports and workers.
type appServices struct {
	Billing      *billingrun.Service
	Provisioning *provisioning.Service
	Usage        *usagesvc.Service
	Accounts     *accounts.Service
}

// The store's transaction is every service's (checked at compile time;
// store.TxFunc asserts it at run time).
var (
	_ billingrun.Tx   = (*store.Tx)(nil)
	_ provisioning.Tx = (*store.Tx)(nil)
	_ usagesvc.Tx     = (*store.Tx)(nil)
	_ accounts.Tx     = (*store.Tx)(nil)
)

func newServices(st *store.Store, billingOpts ...billingrun.Option) *appServices {
	return &appServices{
		Billing:      billingrun.New(st, store.TxFunc[billingrun.Tx](st), billingOpts...),
		Provisioning: provisioning.New(st, store.TxFunc[provisioning.Tx](st)),
		Usage:        usagesvc.New(st, store.TxFunc[usagesvc.Tx](st)),
		Accounts:     accounts.New(st, store.TxFunc[accounts.Tx](st)),
	}
}

func (sv *appServices) apiOptions() []api.Option {
	return []api.Option{api.WithBilling(sv.Billing), api.WithProvisioning(sv.Provisioning), api.WithUsage(sv.Usage), api.WithAccounts(sv.Accounts)}
}

func (sv *appServices) webOptions() []web.Option {
	return []web.Option{web.WithBilling(sv.Billing), web.WithProvisioning(sv.Provisioning), web.WithAccounts(sv.Accounts)}
}
