package store

import (
	"strings"
	"testing"
)

// Multi-row statements come in a few shapes only (each prepared once),
// cover every row, and use ? on SQLite, $n with casts on PostgreSQL.
func TestRowsStatementShapes(t *testing.T) {
	shapes := map[int]bool{}
	for n := 0; n <= 3*maxRows+5; n++ {
		sum := 0
		for _, size := range batchSizes(n) {
			if size < 1 || size > maxRows {
				t.Fatalf("batchSizes(%d) has a batch of %d", n, size)
			}
			shapes[size] = true
			sum += size
		}
		if sum != n {
			t.Fatalf("batchSizes(%d) covers %d rows", n, sum)
		}
	}
	if len(shapes) > 8 {
		t.Errorf("%d shapes of statement, want at most 8 (128 and the powers of two below)", len(shapes))
	}
	r := rowsStatement{prefix: "INSERT INTO t (a, b, id) VALUES ", row: []string{"::bigint", "", "=DEFAULT"}}
	if got, want := r.text(SQLite, 2), "INSERT INTO t (a, b, id) VALUES (?,?,NULL),(?,?,NULL)"; got != want {
		t.Errorf("SQLite: %s, want %s", got, want)
	}
	if got, want := r.text(Postgres, 2), "INSERT INTO t (a, b, id) VALUES ($1::bigint,$2,DEFAULT),($3::bigint,$4,DEFAULT)"; got != want {
		t.Errorf("PostgreSQL: %s, want %s", got, want)
	}
	if strings.Contains(r.text(SQLite, maxRows), "$") || r.width() != 2 {
		t.Errorf("SQLite statement names parameters, or width %d", r.width())
	}
	// An expression of one parameter takes the placeholder's place.
	e := rowsStatement{prefix: "INSERT INTO t (a, k) VALUES ", row: []string{"", "~(SELECT kind FROM o WHERE id = ?)"}}
	if got, want := e.text(SQLite, 2), "INSERT INTO t (a, k) VALUES (?,(SELECT kind FROM o WHERE id = ?)),(?,(SELECT kind FROM o WHERE id = ?))"; got != want {
		t.Errorf("SQLite: %s, want %s", got, want)
	}
	if got, want := e.text(Postgres, 2), "INSERT INTO t (a, k) VALUES ($1,(SELECT kind FROM o WHERE id = $2)),($3,(SELECT kind FROM o WHERE id = $4))"; got != want {
		t.Errorf("PostgreSQL: %s, want %s", got, want)
	}
	if e.width() != 2 {
		t.Errorf("width %d, want 2", e.width())
	}
}
