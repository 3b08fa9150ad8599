package storetest

import (
	"fmt"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
)

// MustCode fails the test unless err carries the application error code
// want ("" for no error).
func MustCode(t TB, err error, want string) {
	t.Helper()
	if got := mercato.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// Unchanged fails the test if fn changes the number of rows of any table
// (Counts), for the cases that prove a refused request wrote nothing.
func Unchanged(t TB, st *store.Store, fn func()) {
	t.Helper()
	before := Counts(t, st)
	fn()
	if after := Counts(t, st); fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("rows changed: %v -> %v", before, after)
	}
}

// Viewer is p with the role that only reads.
func Viewer(p mercato.Principal) mercato.Principal {
	p.Role = mercato.RoleViewer
	return p
}
