//go:build race

package main_test

// raceFlags builds the binary under test with the race detector when the
// tests run with it (go test -race), so that the serving processes, where
// the API, the dispatcher, the billing service, the poller, the connectors
// and the emulators run together, are checked too: a race makes the binary
// exit 66, which the tests report.
var raceFlags = []string{"-race"}
