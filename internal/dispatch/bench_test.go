package dispatch_test

import (
	"testing"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/bench/benchtest"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// BenchmarkWebhooks: see bench.Webhooks (shared with `mercato bench`).
//
//	go test ./internal/dispatch/ -run '^$' -bench Webhooks -benchtime=20000x
func BenchmarkWebhooks(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), benchtest.Func(bench.Webhooks(engine)))
	}
}

// BenchmarkWebhookFairness: see bench.WebhookFairness.
//
//	go test ./internal/dispatch/ -run '^$' -bench WebhookFairness -benchtime=2000x
func BenchmarkWebhookFairness(b *testing.B) {
	for _, engine := range storetest.Engines {
		for _, odd := range []bench.Slowness{bench.Slow2s, bench.Hanging} {
			b.Run(string(engine)+"/"+odd.Name(), benchtest.Func(bench.WebhookFairness(engine, odd)))
		}
	}
}

// BenchmarkWebhookFanout: see bench.WebhookFanout.
//
//	go test ./internal/dispatch/ -run '^$' -bench WebhookFanout -benchtime=10000x
func BenchmarkWebhookFanout(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), benchtest.Func(bench.WebhookFanout(engine)))
	}
}
