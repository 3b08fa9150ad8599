package api_test

import (
	"testing"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/bench/benchtest"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// The benchmark bodies live in internal/bench, shared with `mercato bench`.

func BenchmarkQuote(b *testing.B) { benchtest.Run(b, bench.Quote) }

func BenchmarkOrders(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), benchtest.Func(bench.Orders(engine)))
	}
}
