package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/bench/benchtest"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// The benchmark bodies live in internal/bench, shared with `mercato bench`.

func BenchmarkQuote(b *testing.B) { benchtest.Run(b, bench.Quote) }

func BenchmarkOrders(b *testing.B) {
	for _, engine := range storetest.Engines {
		b.Run(string(engine), benchtest.Func(bench.Orders(engine)))
	}
}

// BenchmarkServe: orders and quotes through serve's stack (bench.ServeOrders,
// bench.ServeQuotes) from 1 and 16 clients, on each engine and SQLite's
// synchronous=FULL.
//
//	go test ./internal/api/ -run '^$' -bench Serve -benchtime=400x
func BenchmarkServe(b *testing.B) {
	dbs := []bench.Database{{Engine: store.SQLite}, bench.SQLiteFull, {Engine: store.Postgres}}
	for _, clients := range []int{1, 16} {
		for _, db := range dbs {
			name := fmt.Sprintf("%s/%d-clients", strings.ReplaceAll(db.String(), " ", "-"), clients)
			b.Run("orders/"+name, benchtest.Func(bench.ServeOrders(db, clients)))
			if db.SQLiteParams == "" {
				b.Run("quotes/"+name, benchtest.Func(bench.ServeQuotes(db, clients)))
			}
		}
	}
}
