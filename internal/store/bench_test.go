package store_test

import (
	"testing"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/bench/benchtest"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// BenchmarkLists: every list for every role at 1,000 rows (bench.Lists);
// `mercato bench` runs 100,000 too, and 1,000,000 with --list-rows.
//
//	go test ./internal/store/ -run '^$' -bench Lists -benchtime=50x -v
func BenchmarkLists(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), benchtest.Func(bench.Lists(engine, 1000)))
	}
}
