package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/mercato-market/mercato/internal/app"
	"github.com/mercato-market/mercato/internal/billing"
	"github.com/mercato-market/mercato/internal/billingrun"
	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/lifecycle"
	"github.com/mercato-market/mercato/internal/metering"
	"github.com/mercato-market/mercato/internal/notify"
	"github.com/mercato-market/mercato/internal/retention"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/stripehook"
	"github.com/mercato-market/mercato/internal/telemetry"
)

// wire builds, in order and in this one place, everything serve runs: the
// webhook dispatcher, the API, the control panel, the front door over all
// of them, and the background services, each handed what it needs.
func wire(ctx context.Context, cfg *config.Serve, env *serveEnv, stdout io.Writer) (http.Handler, []service, error) {
	st, log := env.Store, env.Log
	allowPrivate := cfg.Webhooks.AllowPrivate || cfg.Demo

	// The application services the API, the control panel and the workers
	// share.
	payOpts, err := paymentOptions(cfg, log)
	if err != nil {
		return nil, nil, fmt.Errorf("payments: %w", err)
	}
	services := app.New(st, app.Options{Billing: []billingrun.Option{billingrun.WithDunning(cfg.Dunning), billingrun.WithRetries(cfg.PaymentRetries)},
		Notify: []notify.Option{notify.WithPublicURL(cfg.PublicURL), notify.WithLog(log), notify.WithLogoURL(cfg.Mail.LogoURL),
			notify.WithReminders(notify.Reminders{RenewalDays: cfg.Mail.RenewalDays, TrialDays: cfg.Mail.TrialDays})}, Payments: payOpts})

	// Webhook delivery: the commit that records events wakes it (with the
	// mail notifier, below); the API sends test events through it; a
	// vendor's 2xx to DELETED ends a terminated subscription.
	dispatcher := dispatch.New(st, log, dispatch.Config{AllowPrivate: allowPrivate, Lease: cfg.Webhooks.Lease,
		Delivered: services.Lifecycle.Delivered})

	// E-mail: the notifier reads what each commit recorded, the sender
	// sends (or keeps) what the notifier queued.
	notifier, mailSender, err := mailWorkers(cfg, env, services.Notify)
	if err != nil {
		return nil, nil, err
	}
	st.OnEvents(func() { dispatcher.Wake(); notifier.Wake() })

	// The API, the control panel, /metrics and Stripe's webhook behind the
	// front door (app.Services.Handler, which the benchmarks of
	// internal/bench build too).
	if cfg.Demo {
		if err := demo.SetPasswords(ctx, st); err != nil {
			return nil, nil, fmt.Errorf("demo passwords: %w", err)
		}
		demo.PrintSignIn(stdout)
	}
	routes := map[string]http.Handler{}
	if hook := stripeWebhook(services.Payments, log); hook != nil {
		routes["POST "+stripehook.Path] = hook
	}
	oidc, oidcServices, err := signInProvider(cfg, env, stdout)
	if err != nil {
		return nil, nil, err
	}
	handler, err := services.Handler(app.HTTP{Config: cfg, Log: log, SendTest: dispatcher.SendTest, Routes: routes, OIDC: oidc})
	if err != nil {
		return nil, nil, err
	}

	workers := []service{
		{"webhook delivery", dispatcher.Run},
		{"usage polling", metering.New(st, log, metering.Config{Interval: cfg.UsagePollInterval, AllowPrivate: allowPrivate, Recorder: services.Usage}).Run},
		{"acknowledged terminations", func(ctx context.Context) error {
			return sweepAcknowledged(ctx, services.Lifecycle, log)
		}},
		{"billing", func(ctx context.Context) error {
			return runBillingJob(ctx, st, services.Billing, env, cfg.BillingInterval)
		}},
		// The billing runs the operator starts by hand (API, control
		// panel) go on in this process: stopped with it, recorded failed.
		{"billing runs started by hand", services.Billing.Background},
		{"mail notifications", notifier.Run},
		// Retention: attempts, delivered deliveries and events past the
		// operator's policy, deleted hourly in small batches.
		{"retention", pruner(st, log).Run},
		{"mail sending", mailSender.Run},
		// Renewal reminders and trial endings: each once per subscription
		// and term, whichever replica queues it first.
		{"mail reminders", services.Notify.Reminder(log, time.Hour, mailSender.Wake)},
	}
	workers = append(workers, oidcServices...)
	if services.Payments.Enabled() {
		workers = append(workers, service{"payment collection", func(ctx context.Context) error {
			return collectPayments(ctx, services.Payments, log, time.Minute)
		}})
	}
	if cfg.Demo {
		// The Azure demo hands its ARM and Entra emulators to the
		// Microsoft demo, whose connector grants Azure plan access
		// through them; it closes the channel if it cannot.
		azureEmulators := make(chan azureDemoEmulators, 1)
		workers = append(workers,
			service{"demo sample vendor", func(ctx context.Context) error { return runSampleVendor(ctx, env) }},
			service{"demo azure", func(ctx context.Context) error { return runAzureDemo(ctx, env, azureEmulators) }},
			service{"demo microsoft", func(ctx context.Context) error { return startMicrosoftDemo(ctx, env, azureEmulators) }},
		)
	}
	return handler, workers, nil
}

// pruner prunes on the store's clock.
func pruner(st *store.Store, log *slog.Logger) *retention.Pruner {
	p := retention.NewPruner(st, log)
	p.Now = func() time.Time { return st.Now() }
	return p
}

// runSampleVendor runs the demo's sample vendor against the API.
func runSampleVendor(ctx context.Context, env *serveEnv) error {
	if _, err := demo.StartVendor(ctx, env.Store, env.BaseURL+"/api/", env.Log); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// runBillingJob is the scheduled billing job: every interval (first after
// one interval) it closes the current month (idempotent: only what is new
// gets billed), which also renews the terms that ended and runs dunning.
// One run holds the lease at a time: while another runs (a replica's, or
// one the operator started), this one is skipped until the next interval.
// An interval of 0 turns it off.
func runBillingJob(ctx context.Context, st *store.Store, billingRuns *billingrun.Service, env *serveEnv, interval time.Duration) error {
	if interval <= 0 {
		return nil
	}
	p, err := st.Bootstrap(ctx, "")
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
		_, err := billingRuns.RunBilling(ctx, p, billingrun.Options{Period: billing.MonthOf(st.Now()), Log: env.Log})
		switch {
		case err == nil:
			telemetry.BillingRuns.WithLabelValues("ok").Inc()
		case errors.As(err, new(*billing.Running)):
			env.Log.Info("scheduled billing run skipped: another is running", "err", err)
		case ctx.Err() == nil:
			telemetry.BillingRuns.WithLabelValues("failed").Inc()
			env.Log.Error("billing run", "err", err)
		}
	}
}

// sweepAcknowledged ends, once a minute (and at start), the terminated
// subscriptions whose vendor acknowledged DELETED: the dispatcher does it
// as it records each answer, this catches an answer recorded just before
// a crash.
func sweepAcknowledged(ctx context.Context, lc *lifecycle.Service, log *slog.Logger) error {
	return repeat(ctx, time.Minute, func(ctx context.Context) {
		if n, err := lc.ConfirmAcknowledged(ctx, nil); err != nil {
			log.ErrorContext(ctx, "acknowledged terminations", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "acknowledged terminations ended", "n", n)
		}
	})
}

// repeat runs fn at once, then every interval until ctx ends.
func repeat(ctx context.Context, interval time.Duration, fn func(context.Context)) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		fn(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
