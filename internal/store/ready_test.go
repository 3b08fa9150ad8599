package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestReadyRefusesWhenWritesFail makes the database refuse writes while it
// still answers reads (SQLite's query_only, PostgreSQL's read-only
// transactions: what a full disk or a read-only file system looks like to
// the store), and checks that readiness says so instead of "ready".
func TestReadyRefusesWhenWritesFail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.Ready(ctx); err != nil {
			t.Fatalf("healthy store not ready: %v", err)
		}
		db := st.DB()
		db.SetMaxOpenConns(1) // the setting below is per connection
		stmt := "PRAGMA query_only = ON"
		if st.Engine() == store.Postgres {
			stmt = "SET default_transaction_read_only = on"
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM organizations").Scan(&n); err != nil {
			t.Fatalf("reads must still work: %v", err)
		}
		err := st.Ready(ctx)
		if err == nil || !strings.Contains(err.Error(), "refuses writes") {
			t.Fatalf("ready while writes fail: %v", err)
		}
	})
}
