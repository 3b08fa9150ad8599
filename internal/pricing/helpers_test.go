package pricing

import (
	"slices"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/shopspring/decimal"
)

// d parses a decimal literal; tests use strings so amounts stay exact.
func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// dp is d as a pointer, for optional fields.
func dp(s string) *decimal.Decimal { v := d(s); return &v }

func i64(n int64) *int64 { return &n }

// cloudesireTiers is the worked example of the Cloudesire docs: units 1–9
// at €5, 10 and above at €3.
func cloudesireTiers() []Tier {
	return []Tier{{UpTo: i64(9), UnitAmount: dp("5")}, {UnitAmount: dp("3")}}
}

// equalAmount fails the test when got and want differ in value.
func equalAmount(t *testing.T, what string, got, want decimal.Decimal) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}

// errorPaths returns the sorted field paths of a validation error and
// fails unless err is an EINVALID error.
func errorPaths(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want a validation error")
	}
	if code := mercato.ErrorCode(err); code != mercato.EINVALID {
		t.Fatalf("error code = %q, want %q (%v)", code, mercato.EINVALID, err)
	}
	var paths []string
	for _, f := range mercato.Fields(err) {
		paths = append(paths, f.Path)
	}
	slices.Sort(paths)
	return paths
}

// lineAmounts returns the amounts of lines as strings fixed to places.
func lineAmounts(lines []Line, places int32) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Amount.StringFixed(places)
	}
	return out
}
