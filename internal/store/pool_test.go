package store_test

import (
	"testing"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestOpenPool: the pool size is configurable; zero keeps the engine's.
func TestOpenPool(t *testing.T) {
	for _, c := range []struct {
		url      string
		pool     []store.Pool
		wantOpen int
	}{
		{"sqlite:" + t.TempDir() + "/a.db", nil, 8},
		{"sqlite:" + t.TempDir() + "/b.db", []store.Pool{{MaxOpen: 3, MaxIdle: 2}}, 3},
		{storetest.PostgresSchema(t), nil, 20},
		{storetest.PostgresSchema(t), []store.Pool{{MaxOpen: 5}}, 5},
	} {
		st, err := store.Open(t.Context(), c.url, c.pool...)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.DB().Stats().MaxOpenConnections; got != c.wantOpen {
			t.Errorf("%s %v: %d open connections at most, want %d", st.Engine(), c.pool, got, c.wantOpen)
		}
		st.Close()
	}
}
