// Package app builds the application services over one store, in one
// way: each service over the store's reads and its transaction
// (store.TxFunc), so the rows, audit entry and outbox event of a change
// commit together. serve builds them once and hands the same ones to the
// API, the control panel and the workers; tests, the demo and the
// benchmarks build theirs here too.
package app

import (
	"context"
	"log/slog"

	"github.com/mercato-market/mercato/internal/accounts"
	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/channel"
	"github.com/mercato-market/mercato/internal/coupons"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/listing"
	"github.com/mercato-market/mercato/internal/messaging"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/ordering"
	"github.com/mercato-market/mercato/internal/overview"
	"github.com/mercato-market/mercato/internal/payments"
	"github.com/mercato-market/mercato/internal/provisioning"
	"github.com/mercato-market/mercato/internal/retention"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/usage"
	"github.com/mercato-market/mercato/internal/web"
	"github.com/mercato-market/mercato/internal/webhooks"
)

// The store's transaction is every service's (checked at compile time;
// store.TxFunc asserts it at run time).
var (
	_ ordering.Tx     = (*store.Tx)(nil)
	_ lifecycle.Tx    = (*store.Tx)(nil)
	_ billingrun.Tx   = (*store.Tx)(nil)
	_ provisioning.Tx = (*store.Tx)(nil)
	_ usage.Tx        = (*store.Tx)(nil)
	_ listing.Tx      = (*store.Tx)(nil)
	_ channel.Tx      = (*store.Tx)(nil)
	_ webhooks.Tx     = (*store.Tx)(nil)
	_ messaging.Tx    = (*store.Tx)(nil)
	_ accounts.Tx     = (*store.Tx)(nil)
	_ notify.Tx       = (*store.Tx)(nil)
	_ payments.Tx     = (*store.Tx)(nil)
	_ coupons.Tx      = (*store.Tx)(nil)
)

// Services are the application services over one store.
type Services struct {
	store        *store.Store // callers, readiness and the clock, for the transports
	Ordering     *ordering.Service
	Lifecycle    *lifecycle.Service
	Billing      *billingrun.Service
	Provisioning *provisioning.Service
	Usage        *usage.Service
	Catalog      *listing.Service
	Channel      *channel.Service
	Webhooks     *webhooks.Service
	Messaging    *messaging.Service
	Accounts     *accounts.Service
	Notify       *notify.Service
	Payments     *payments.Service
	Coupons      *coupons.Service
}

// Options configure the services New builds.
type Options struct {
	Billing []billingrun.Option // the dunning policy
	Notify  []notify.Option     // the public URL links are made on
	// Payments: the payment provider (none: customers pay on account).
	Payments []payments.Option
}

// New builds every service over st.
func New(st *store.Store, opts Options) *Services {
	n := Notify(st, opts.Notify...)
	var accountOpts []accounts.Option
	if n.Linking() {
		// Reset links and invitations go by e-mail; the owner of a webhook endpoint the
		// dispatcher disables is mailed, in the transaction that
		// disables it.
		accountOpts = append(accountOpts, accounts.WithResetMail(n.QueuePasswordReset), accounts.WithInviteMail(n.QueueInvitation))
		st.OnEndpointDisabled(func(ctx context.Context, tx *store.Tx, e notify.DisabledEndpoint) error {
			return n.QueueEndpointDisabled(ctx, tx, e)
		})
	}
	return &Services{
		store:        st,
		Ordering:     Ordering(st),
		Lifecycle:    Lifecycle(st),
		Billing:      billingrun.New(st, store.TxFunc[billingrun.Tx](st), opts.Billing...),
		Provisioning: provisioning.New(st, store.TxFunc[provisioning.Tx](st)),
		Usage:        usage.New(st, store.TxFunc[usage.Tx](st)),
		Catalog:      listing.New(st, store.TxFunc[listing.Tx](st)),
		Channel:      channel.New(st, store.TxFunc[channel.Tx](st)),
		Webhooks:     webhooks.New(st, store.TxFunc[webhooks.Tx](st)),
		Messaging:    messaging.New(st, store.TxFunc[messaging.Tx](st)),
		Accounts:     accounts.New(st, store.TxFunc[accounts.Tx](st), accountOpts...),
		Notify:       n,
		Payments:     payments.New(st, store.TxFunc[payments.Tx](st), opts.Payments...),
		Coupons:      coupons.New(st, store.TxFunc[coupons.Tx](st)),
	}
}

// Ordering is the ordering service over st.
func Ordering(st *store.Store) *ordering.Service {
	return ordering.New(st, store.TxFunc[ordering.Tx](st))
}

// Lifecycle is the lifecycle service over st.
func Lifecycle(st *store.Store) *lifecycle.Service {
	return lifecycle.New(st, store.TxFunc[lifecycle.Tx](st))
}

// Notify is the notification service (the mail it queues, the operator's
// outbox) over st.
func Notify(st *store.Store, opts ...notify.Option) *notify.Service {
	return notify.New(st, store.TxFunc[notify.Tx](st), opts...)
}

// API is what the REST API (and the Cloudesire-compatible API it mounts)
// calls: these services, with the store for callers, readiness and the
// clock.
func (s *Services) API() api.Services {
	return api.Services{Orders: s.Ordering, Lifecycle: s.Lifecycle, Billing: s.Billing, Retention: retention.NewService(s.store), Provisioning: s.Provisioning,
		Usage: s.Usage, Catalog: s.Catalog, Channel: s.Channel, Webhooks: s.Webhooks, Messaging: s.Messaging,
		Accounts: s.Accounts, Coupons: s.Coupons, Callers: s.store, Health: s.store, Clock: s.store.Clock}
}

// Web is what the control panel calls.
func (s *Services) Web() web.Services {
	return web.Services{Orders: s.Ordering, Lifecycle: s.Lifecycle, Billing: s.Billing, Provisioning: s.Provisioning,
		Usage: s.Usage, Catalog: s.Catalog, Channel: s.Channel, Webhooks: s.Webhooks, Messaging: s.Messaging,
		Accounts: s.Accounts, Outbox: s.Notify, Payments: s.Payments, Coupons: s.Coupons, Overview: overview.New(s.store), Callers: s.store, Clock: s.store.Clock}
}

// NewAPI is the REST API over st with services of its own (tests,
// benchmarks, tools; serve hands the API and the panel the same ones).
func NewAPI(st *store.Store, log *slog.Logger, opts ...api.Option) *api.Server {
	return api.New(New(st, Options{}).API(), log, opts...)
}

// NewWeb is the control panel over st with services of its own (tests).
func NewWeb(st *store.Store, log *slog.Logger, opts ...web.Option) (*web.Server, error) {
	return web.New(New(st, Options{}).Web(), log, opts...)
}
