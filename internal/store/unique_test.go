package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestUniqueViolation runs statements that break constraints on both
// engines and checks that only unique and primary-key violations count as
// such, however they are wrapped, and that the classification reads the
// driver's error code, not its text.
func TestUniqueViolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := storetest.NewWorld(t, st)
		db := st.DB()
		if _, err := db.Exec(`INSERT INTO secret_keys (id, material, created_at) VALUES ('k1', 'm', $1)`, storetest.Epoch); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name   string
			sql    string
			args   []any
			unique bool
		}{
			{"duplicate primary key", `INSERT INTO secret_keys (id, material, created_at) VALUES ('k1', 'm', $1)`, []any{storetest.Epoch}, true},
			{"duplicate integer primary key", `INSERT INTO organizations (id, kind, name, created_at, updated_at) VALUES ($1, 'customer', 'twin', $2, $2)`, []any{w.C1.Principal.OrgID, storetest.Epoch}, true},
			{"duplicate unique column", `UPDATE users SET email = $1 WHERE id = $2`, []any{w.C1.User.Email, w.C2.User.ID}, true},
			{"NOT NULL", `UPDATE organizations SET name = NULL WHERE id = $1`, []any{w.C1.Principal.OrgID}, false},
			{"CHECK", `UPDATE organizations SET kind = 'pirate' WHERE id = $1`, []any{w.C1.Principal.OrgID}, false},
			{"foreign key", `UPDATE organizations SET parent_id = 999999 WHERE id = $1`, []any{w.C1.Principal.OrgID}, false},
			{"no such table", `SELECT * FROM no_such_table`, nil, false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				_, err := db.Exec(c.sql, c.args...)
				if err == nil {
					t.Fatalf("%s: no error", c.sql)
				}
				if got := store.IsUniqueViolation(err); got != c.unique {
					t.Fatalf("IsUniqueViolation(%T %v) = %v, want %v", err, err, got, c.unique)
				}
				if got := store.IsUniqueViolation(fmt.Errorf("place order: %w", err)); got != c.unique {
					t.Fatalf("wrapped: IsUniqueViolation = %v, want %v", got, c.unique)
				}
			})
		}
	})
	for _, text := range []string{"UNIQUE constraint failed: users.email", "duplicate key value violates unique constraint (SQLSTATE 23505)"} {
		if store.IsUniqueViolation(errors.New(text)) {
			t.Errorf("a plain error reading %q counts as a unique violation", text)
		}
	}
	if store.IsUniqueViolation(nil) {
		t.Error("nil counts as a unique violation")
	}
}
