// Package benchtest runs internal/bench's bodies under go test -bench:
// the go test wrappers of each package call it. It imports testing, so only
// _test.go files may import it (TestNoTestingInTheBinary in cmd/mercato
// checks that the binary does not).
package benchtest

import (
	"testing"

	"github.com/mercato-market/mercato/internal/bench"
)

// Run runs body as the benchmark b.
func Run(b *testing.B, body func(bench.B)) { body(adapter{b}) }

// Func is body as a benchmark function, for b.Run.
func Func(body func(bench.B)) func(*testing.B) {
	return func(b *testing.B) { Run(b, body) }
}

// adapter is a *testing.B with its field N as a method.
type adapter struct{ *testing.B }

func (a adapter) N() int { return a.B.N }
