//go:build !race

package main_test

// raceFlags is empty without the race detector (see race_test.go).
var raceFlags []string
