package api_test

import (
	"testing"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// The benchmark bodies live in internal/bench, shared with `mercato bench`.

func BenchmarkQuote(b *testing.B) { bench.Quote(b) }

func BenchmarkOrders(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), bench.Orders(engine))
	}
}
