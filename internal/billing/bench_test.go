package billing_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/bench/benchtest"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// BenchmarkBillingRun: see bench.Billing (shared with `mercato bench`), at
// 10,000 and 100,000 subscriptions on each engine (CI runs both once);
// MERCATO_BILLING_SIZES=10000,100000,1000000 sets other sizes.
//
//	go test ./internal/billing/ -run '^$' -bench BillingRun -benchtime=1x
func BenchmarkBillingRun(b *testing.B) {
	sizes := bench.BillingSizes
	if v := os.Getenv("MERCATO_BILLING_SIZES"); v != "" {
		sizes = nil
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 10 {
				b.Fatalf("MERCATO_BILLING_SIZES: %q is not a number of subscriptions (10 or more)", f)
			}
			sizes = append(sizes, n)
		}
	}
	for _, engine := range storetest.Engines {
		for _, n := range sizes {
			b.Run(string(engine)+"/"+strconv.Itoa(n), benchtest.Func(bench.Billing(engine, n)))
		}
	}
}

// BenchmarkBillingWithOrders: orders placed by four customers while a
// run bills 20,000 subscriptions, in transactions of 500 customers and of
// 50, against the same orders before the run (see bench.BillingWithOrders).
func BenchmarkBillingWithOrders(b *testing.B) {
	for _, engine := range storetest.Engines {
		for _, chunk := range []int{500, 50} {
			b.Run(string(engine)+"/chunk-"+strconv.Itoa(chunk), benchtest.Func(bench.BillingWithOrders(engine, 20_000, chunk)))
		}
	}
}
