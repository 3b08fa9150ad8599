// Package bench holds the project's benchmarks, each measured against a
// baseline in the same run (these machines are noisy, ratios are not): the
// bodies run under `go test -bench` in their packages (through
// internal/bench/benchtest) and under `mercato bench`, which times them with
// this package's own runner ([Run]) and prints them as one table. The
// package does not import testing, so neither does the production binary.
package bench

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mercato-market/mercato/internal/store"
)

// Benchmark is one entry of `mercato bench`.
type Benchmark struct {
	Name   string
	Engine store.Engine
	// Benchtime is how long to run, as go test's -benchtime ("20000x",
	// "2s"); see [ParseBenchtime].
	Benchtime string
	Run       func(b B)
}

// All lists the benchmarks for the given engines: the lists at each size
// of listRows, the billing run at the sizes given (none: [BillingSizes]).
func All(engines []store.Engine, listRows []int, billingSizes ...int) []Benchmark {
	if len(billingSizes) == 0 {
		billingSizes = BillingSizes
	}
	var out []Benchmark
	for _, e := range engines {
		out = append(out, serveBenchmarks(e)...)
		for _, n := range listRows {
			out = append(out, Benchmark{"lists, every role, " + fmtRows(n) + " rows", e, "200x", Lists(e, n)})
		}
		if e == store.SQLite {
			out = append(out, Benchmark{"quotes over HTTP", e, "2s", Quote})
		}
		out = append(out,
			Benchmark{"orders over HTTP", e, "2s", Orders(e)},
			Benchmark{"webhooks delivered durably", e, "20000x", Webhooks(e)},
			Benchmark{"webhooks, 9 fast endpoints + 1 answering in 2 s", e, "2000x", WebhookFairness(e, Slow2s)},
			Benchmark{"webhooks, 9 fast endpoints + 1 past the timeout", e, "2000x", WebhookFairness(e, Hanging)},
			Benchmark{"webhooks to 1,000 endpoints vs 1", e, "10000x", WebhookFanout(e)},
			Benchmark{"order to DEPLOYED (sample vendor)", e, "300x", OrderToDeployed(e)},
		)
		for _, n := range billingSizes {
			out = append(out, Benchmark{"billing run, " + thousands(n) + " subscriptions", e, "1x", Billing(e, n)})
		}
		out = append(out, Benchmark{"billing run, 20,000 subscriptions, orders placed meanwhile", e, "1x", BillingWithOrders(e, 20_000, 500)})
	}
	return out
}

// serveBenchmarks are the requests through serve's stack on engine (on
// SQLite with each synchronous setting): orders and quotes from 1 and 16
// concurrent clients. A quote writes nothing, so synchronous does not
// change it and it runs on the default only.
func serveBenchmarks(e store.Engine) []Benchmark {
	dbs := []Database{{Engine: e}}
	if e == store.SQLite {
		dbs = append(dbs, SQLiteFull)
	}
	var out []Benchmark
	for _, clients := range []int{1, 16} {
		for i, db := range dbs {
			setting := ""
			if db.SQLiteParams != "" {
				setting = ", " + strings.TrimPrefix(db.SQLiteParams, "?")
			}
			out = append(out, Benchmark{fmt.Sprintf("orders through serve, %s%s", clientsName(clients), setting), e, fmt.Sprintf("%dx", 300*clients/4+200), ServeOrders(db, clients)})
			if i == 0 {
				out = append(out, Benchmark{fmt.Sprintf("quotes through serve, %s", clientsName(clients)), e, fmt.Sprintf("%dx", 300*clients/4+200), ServeQuotes(db, clients)})
			}
		}
	}
	return out
}

// clientsName is "1 client" or "16 clients".
func clientsName(n int) string {
	if n == 1 {
		return "1 client"
	}
	return fmt.Sprintf("%d clients", n)
}

// thousands writes n with a comma every three digits (1,000,000).
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
