// Package storetest opens real databases for tests: a SQLite file in the
// test's temporary directory, and a fresh schema on the PostgreSQL server
// named by MERCATO_TEST_POSTGRES (default: the local server's database
// "test"). Without PostgreSQL the PostgreSQL cases skip, saying why, except
// under CI=true, where they fail.
//
// The package does not import testing: its helpers take a [TB], which
// testing.TB satisfies, so that `mercato bench` (in the production binary)
// can build its worlds without linking the testing package.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/mercato-market/mercato/internal/store"
)

// DefaultPostgres is the server tests use when MERCATO_TEST_POSTGRES is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Engines lists the engines every storage test runs on.
var Engines = []store.Engine{store.SQLite, store.Postgres}

// TB is what the helpers need of a test or benchmark: testing.TB has it,
// and so does the runner of `mercato bench`.
type TB interface {
	Helper()
	Cleanup(func())
	TempDir() string
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Runner is a TB that runs subtests of its own type T: *testing.T is a
// Runner[*testing.T].
type Runner[T any] interface {
	TB
	Run(name string, f func(T)) bool
}

// Each runs fn as a subtest once per engine with a migrated, empty store.
func Each[T Runner[T]](t T, fn func(t T, st *store.Store)) {
	t.Helper()
	for _, e := range Engines {
		t.Run(string(e), func(t T) {
			fn(t, Open(t, e))
		})
	}
}

// Open returns a migrated, empty store on engine e, removed when the test ends.
func Open(t TB, e store.Engine) *store.Store {
	t.Helper()
	var dbURL string
	switch e {
	case store.SQLite:
		dbURL = "sqlite:" + t.TempDir() + "/mercato.db"
	case store.Postgres:
		dbURL = PostgresSchema(t)
	}
	return openMigrated(t, e, dbURL)
}

// OpenSQLite is Open on SQLite with URL parameters (params, e.g.
// "?synchronous=full").
func OpenSQLite(t TB, params string) *store.Store {
	t.Helper()
	return openMigrated(t, store.SQLite, "sqlite:"+t.TempDir()+"/mercato.db"+params)
}

func openMigrated(t TB, e store.Engine, dbURL string) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() {
		tableCache.Delete(st)
		st.Close()
	})
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", e, err)
	}
	if err := st.LoadSecrets(ctx); err != nil {
		t.Fatalf("secrets %s: %v", e, err)
	}
	return st
}

// PostgresURL returns the test server's URL.
func PostgresURL() string {
	if u := os.Getenv("MERCATO_TEST_POSTGRES"); u != "" {
		return u
	}
	return DefaultPostgres
}

// PostgresSchema creates a schema of its own for the test on the test
// server and returns a URL whose connections use it, so tests never see each
// other's rows; the schema is dropped when the test ends. Without PostgreSQL
// the test skips, except under CI=true, where it fails.
func PostgresSchema(t TB) string {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is required under CI: %v", base, err)
		}
		t.Skipf("PostgreSQL at %s does not answer (%v): set MERCATO_TEST_POSTGRES or start it; CI runs these cases", base, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "mercato_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Counts returns the number of rows in every table of the schema (Tables,
// read from the catalog) but those in ChangedByReads, for tests that prove a
// refused request wrote nothing.
func Counts(t TB, st *store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tbl := range Tables(t, st) {
		if ChangedByReads[tbl] {
			continue
		}
		var n int
		if err := st.DB().QueryRow("SELECT COUNT(*) FROM " + tbl).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", tbl, err)
		}
		out[tbl] = n
	}
	return out
}

// ChangedByReads are the tables that Counts leaves out because a request
// that reads writes them whoever makes it: readiness gets its row from the
// first GET /readyz (an unauthenticated probe that a load balancer may send
// at any moment), so its count says nothing about what a refused request
// did. message_reads, which reading a thread writes, stays counted: only a
// read that succeeds marks a thread read.
var ChangedByReads = map[string]bool{"readiness": true}

// Epoch is the instant test clocks start at: a mid-month day, so that no
// test's outcome depends on the calendar day it runs on.
var Epoch = time.Date(2026, time.February, 10, 9, 0, 0, 0, time.UTC)

// Clock returns a clock that starts at start and advances with the real
// (monotonic) time elapsed since it was made, so that leases and timeouts
// still run out while dates stay fixed.
func Clock(start time.Time) func() time.Time {
	began := time.Now()
	return func() time.Time { return start.Add(time.Since(began)) }
}

// Case is a test case that runs in a database and a world of its own.
type Case[T any] struct {
	Name string
	Run  func(t T, st *store.Store, w *World)
}

// RunCases runs every case on every engine, each in a fresh database with
// a world of its own, on a clock fixed at Epoch (so that no case depends on
// the calendar day).
func RunCases[T Runner[T]](t T, cases []Case[T]) {
	t.Helper()
	Each(t, func(t T, st *store.Store) {
		for i, c := range cases {
			t.Run(c.Name, func(t T) {
				st := st
				if i > 0 {
					st = Open(t, st.Engine())
				}
				st.Now = Clock(Epoch)
				c.Run(t, st, NewWorld(t, st))
			})
		}
	})
}
