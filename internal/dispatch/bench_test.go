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
