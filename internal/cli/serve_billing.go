package cli

import (
	"context"
	"flag"
	"time"

	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/telemetry"
)

// The scheduled billing job: every --billing-interval (first after one
// interval) it closes the current
// month (idempotent: only what is new gets billed), which also renews the
// terms that ended and runs dunning. Several replicas may run it: every
// charge has a unique key, so none is billed twice.
func init() {
	var interval time.Duration
	registerService(service{
		name: "billing",
		flags: func(fs *flag.FlagSet) {
			fs.DurationVar(&interval, "billing-interval", time.Hour, "how often the current month is billed, terms renewed and dunning run; 0 turns the job off (env MERCATO_BILLING_INTERVAL)")
		},
		start: func(ctx context.Context, env *serveEnv) error {
			if interval <= 0 {
				return nil
			}
			p, err := env.Store.Bootstrap(ctx, "")
			if err != nil {
				return err
			}
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				}
				_, err := env.Services.Billing.RunBilling(ctx, p, billingrun.Options{Period: billing.MonthOf(time.Now()), Log: env.Log})
				switch {
				case err == nil:
					telemetry.BillingRuns.WithLabelValues("ok").Inc()
				case ctx.Err() == nil:
					telemetry.BillingRuns.WithLabelValues("failed").Inc()
					env.Log.Error("billing run", "err", err)
				}
			}
		},
	})
}
