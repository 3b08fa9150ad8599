// Package stripemock gives tests the address of stripe-mock, Stripe's own
// API server for tests (github.com/stripe/stripe-mock), which .ci/run
// installs and starts on a loopback port, exporting its URL as
// MERCATO_TEST_STRIPE. stripe-mock answers from Stripe's OpenAPI fixtures
// and remembers nothing, so tests check the requests Mercato sends and
// Mercato's own records, never state read back from it. Without it a test
// fails under CI=true and is skipped, saying why, otherwise.
package stripemock

import (
	"os"
	"testing"
)

// Version is the stripe-mock .ci/run installs.
const Version = "v0.203.0"

// URL returns stripe-mock's base URL, or ends the test without one.
func URL(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("MERCATO_TEST_STRIPE"); u != "" {
		return u
	}
	const how = "MERCATO_TEST_STRIPE is not set: run stripe-mock (go install github.com/stripe/stripe-mock@" + Version +
		"; stripe-mock -http-port 12111) and set MERCATO_TEST_STRIPE=http://127.0.0.1:12111"
	if os.Getenv("CI") == "true" {
		t.Fatal(how + " (.ci/run does)")
	}
	t.Skip(how + "; CI runs it")
	return ""
}
