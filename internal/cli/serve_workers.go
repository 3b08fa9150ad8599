package cli

import (
	"context"
	"flag"
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/metering"
	"github.com/mercato-market/mercato/internal/syndication"
)

// Webhook delivery, usage polling and the demo's sample vendor.
func init() {
	var (
		lease      time.Duration
		usagePoll  time.Duration
		dispatcher *dispatch.Dispatcher
	)
	registerService(service{
		name: "webhook delivery",
		flags: func(fs *flag.FlagSet) {
			fs.DurationVar(&lease, "webhooks-lease", 0, "how long a process keeps the deliveries it claimed before another may take them over after a crash (default: the longest a batch can take plus 30s) (env MERCATO_WEBHOOKS_LEASE)")
		},
		routes: func(env *serveEnv) error {
			dispatcher = dispatch.New(env.Store, env.Log, dispatch.Config{AllowPrivate: env.AllowPrivate, Lease: lease})
			env.Store.OnEvents(dispatcher.Wake)
			env.APIOptions = append(env.APIOptions, api.WithWebhooks(syndication.URLPolicy{AllowPrivate: env.AllowPrivate}, dispatcher.SendTest))
			return nil
		},
		start: func(ctx context.Context, _ *serveEnv) error { return dispatcher.Run(ctx) },
	})
	registerService(service{
		name: "usage polling",
		flags: func(fs *flag.FlagSet) {
			fs.DurationVar(&usagePoll, "usage-poll-interval", metering.DefaultInterval, "how often products' metric URLs are polled for usage (env MERCATO_USAGE_POLL_INTERVAL)")
		},
		start: func(ctx context.Context, env *serveEnv) error {
			return metering.New(env.Store, env.Log, metering.Config{Interval: usagePoll, AllowPrivate: env.AllowPrivate, Recorder: env.Services.Usage}).Run(ctx)
		},
	})
	registerService(service{
		name: "demo sample vendor",
		start: func(ctx context.Context, env *serveEnv) error {
			if !env.Demo {
				return nil
			}
			if _, err := demo.StartVendor(ctx, env.Store, env.BaseURL+"/api/", env.Log); err != nil {
				return err
			}
			<-ctx.Done()
			return nil
		},
	})
}
