package billing_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/mercato-market/mercato/internal/bench"
	"github.com/mercato-market/mercato/internal/bench/benchtest"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// BenchmarkBillingRun: see bench.Billing (shared with `mercato bench`).
//
//	go test ./internal/billing/ -run '^$' -bench BillingRun -benchtime=1x
func BenchmarkBillingRun(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("MERCATO_BILLING_N")); err == nil && v > 0 {
		n = v
	}
	for _, engine := range storetest.Engines {
		b.Run(string(engine), benchtest.Func(bench.Billing(engine, n)))
	}
}
