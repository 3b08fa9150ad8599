package store_test

import (
	"context"
	"os"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/mercato-market/mercato/internal/store"
)

// remigrate takes st's schema down to migration version and up again, as
// an upgrade over rows written before the later migrations does: a
// migration's Down and its backfill are tested on real rows.
func remigrate(t *testing.T, st *store.Store, version int64) {
	t.Helper()
	dialect, dir := goose.DialectSQLite3, "migrations/sqlite"
	if st.Engine() == store.Postgres {
		dialect, dir = goose.DialectPostgres, "migrations/postgres"
	}
	p, err := goose.NewProvider(dialect, st.DB(), os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := p.DownTo(ctx, version); err != nil {
		t.Fatalf("down to %d: %v", version, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up from %d: %v", version, err)
	}
}
