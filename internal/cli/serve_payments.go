package cli

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/payments"
	"github.com/mercato-market/mercato/internal/stripehook"
	"github.com/mercato-market/mercato/internal/stripepay"
)

// paymentOptions configure the payments service: Stripe when
// MERCATO_STRIPE_SECRET_KEY is set (read here, from the environment only,
// and never logged), at --stripe-api when given; without the key
// payments through a provider are off and customers pay on account.
func paymentOptions(cfg *config.Serve, log *slog.Logger) ([]payments.Option, error) {
	opts := []payments.Option{payments.WithLog(log), payments.WithRetries(cfg.PaymentRetries)}
	key := os.Getenv("MERCATO_STRIPE_SECRET_KEY")
	if key == "" {
		log.Info("payments by card or direct debit are off: MERCATO_STRIPE_SECRET_KEY is not set")
		return opts, nil
	}
	provider, err := stripepay.New(stripepay.Config{SecretKey: key, APIBase: cfg.StripeAPI})
	if err != nil {
		return nil, err
	}
	api := cfg.StripeAPI
	if api == "" {
		api = "Stripe's own API"
	}
	log.Info("payments through Stripe", "api", api)
	return append(opts, payments.WithProvider(provider)), nil
}

// stripeWebhook is Stripe's webhook, POST /stripe/webhook, verified with
// MERCATO_STRIPE_WEBHOOK_SECRET; without the secret it is not served (an
// event that cannot be verified is never acted on).
func stripeWebhook(svc *payments.Service, log *slog.Logger) http.Handler {
	secret := os.Getenv("MERCATO_STRIPE_WEBHOOK_SECRET")
	if secret == "" {
		if svc.Enabled() {
			log.Warn("Stripe's webhook is off: MERCATO_STRIPE_WEBHOOK_SECRET is not set, so payments are not recorded")
		}
		return nil
	}
	return stripehook.Handler(svc, secret, log)
}

// collectPayments charges, every interval (and at start), the issued
// invoices due a try (never charged, or a retry's day), and refunds the
// credited invoices paid through Stripe; outcomes arrive through the
// webhook.
func collectPayments(ctx context.Context, svc *payments.Service, log *slog.Logger, interval time.Duration) error {
	return repeat(ctx, interval, func(ctx context.Context) {
		if n, err := svc.CollectDue(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "payment collection", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "invoices charged", "n", n)
		}
		if n, err := svc.RefundCredits(ctx); err != nil && ctx.Err() == nil {
			log.ErrorContext(ctx, "refunds of credit notes", "err", err)
		} else if n > 0 {
			log.InfoContext(ctx, "credit notes refunded", "n", n)
		}
	})
}
