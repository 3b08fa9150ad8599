package store_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store"
)

// TestSQLiteSynchronous: ?synchronous=full is in effect on every pooled
// connection (not only the first), NORMAL stays the default, and a setting
// other than normal or full is refused before anything opens.
func TestSQLiteSynchronous(t *testing.T) {
	for _, c := range []struct {
		params string
		want   int // PRAGMA synchronous: 1 NORMAL, 2 FULL
	}{
		{"", 1},
		{"?synchronous=normal", 1},
		{"?synchronous=full", 2},
		{"?synchronous=FULL", 2},
	} {
		st, err := store.Open(t.Context(), "sqlite:"+t.TempDir()+"/m.db"+c.params)
		if err != nil {
			t.Fatalf("%q: %v", c.params, err)
		}
		// Hold several connections at once so the pool opens new ones,
		// and ask each.
		var conns []*sql.Conn
		for range 4 {
			conn, err := st.DB().Conn(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			conns = append(conns, conn)
		}
		for i, conn := range conns {
			var got int
			if err := conn.QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%q: connection %d has synchronous=%d, want %d", c.params, i, got, c.want)
			}
			var mode string
			if err := conn.QueryRowContext(context.Background(), "PRAGMA journal_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if mode != "wal" {
				t.Errorf("%q: connection %d journal_mode %q, want wal", c.params, i, mode)
			}
			conn.Close()
		}
		st.Close()
	}
	for _, bad := range []string{"?synchronous=off", "?synchronous=extra", "?sync=full", "?synchronous=full&synchronous=normal"} {
		dbURL := "sqlite:" + t.TempDir() + "/m.db" + bad
		if err := store.CheckURL(dbURL); err == nil || !strings.Contains(err.Error(), "sqlite parameter") {
			t.Errorf("CheckURL(%q) = %v, want an error naming the parameter", bad, err)
		}
		if st, err := store.Open(t.Context(), dbURL); err == nil {
			st.Close()
			t.Errorf("Open(%q) opened", bad)
		}
	}
}
