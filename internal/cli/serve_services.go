package cli

import (
	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/web"
)

// apiOptions hand the API the services serve built.
func apiOptions(sv *app.Services) []api.Option {
	return []api.Option{api.WithServices(sv.Ordering, sv.Lifecycle), api.WithBilling(sv.Billing),
		api.WithProvisioning(sv.Provisioning), api.WithUsage(sv.Usage),
		api.WithCatalog(sv.Catalog), api.WithChannel(sv.Channel),
		api.WithWebhookService(sv.Webhooks), api.WithMessaging(sv.Messaging), api.WithAccounts(sv.Accounts)}
}

// webOptions hand the control panel the services serve built.
func webOptions(sv *app.Services) []web.Option {
	return []web.Option{web.WithServices(sv.Ordering, sv.Lifecycle), web.WithBilling(sv.Billing),
		web.WithProvisioning(sv.Provisioning), web.WithUsage(sv.Usage),
		web.WithCatalog(sv.Catalog), web.WithChannel(sv.Channel),
		web.WithWebhooks(sv.Webhooks), web.WithMessaging(sv.Messaging), web.WithAccounts(sv.Accounts),
		web.WithOutbox(sv.Notify)}
}
