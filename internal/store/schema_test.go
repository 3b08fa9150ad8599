package store_test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// gooseTable is the migration tool's own bookkeeping table: goose creates it
// per dialect (its tstamp column is nullable on SQLite only), so only its
// presence is compared.
const gooseTable = "goose_db_version"

// TestSchemasMatch migrates both engines and compares what their catalogs
// say: the same tables, the same column names, and the same nullability
// (whether the engine refuses NULL, counting what a primary key implies on
// each). Types differ by design (see docs/architecture.md) and are not
// compared.
func TestSchemasMatch(t *testing.T) {
	liteStore, pgStore := storetest.Open(t, store.SQLite), storetest.Open(t, store.Postgres)
	lite, pg := storetest.Schema(t, liteStore), storetest.Schema(t, pgStore)
	// Tables (which Counts uses) reads the names by a cheaper query: the
	// same tables.
	for _, c := range []struct {
		st     *store.Store
		schema map[string][]storetest.Column
	}{{liteStore, lite}, {pgStore, pg}} {
		if got, want := storetest.Tables(t, c.st), keys(c.schema); !slices.Equal(got, want) {
			t.Errorf("%s: Tables = %v, Schema has %v", c.st.Engine(), got, want)
		}
	}
	if len(lite) < 30 {
		t.Fatalf("only %d tables on SQLite: %v", len(lite), keys(lite))
	}
	cols, notNull := 0, 0
	for _, lcols := range lite {
		for _, c := range lcols {
			cols++
			if c.NotNull {
				notNull++
			}
		}
	}
	t.Logf("SQLite: %d tables, %d columns, %d of them NOT NULL", len(lite), cols, notNull)
	for _, d := range diffSchemas(lite, pg) {
		t.Error(d)
	}
}

// TestDiffSchemasFindsDifferences shows that the comparison above is not
// vacuous: each kind of difference is reported.
func TestDiffSchemasFindsDifferences(t *testing.T) {
	col := func(name string, notNull bool) storetest.Column {
		return storetest.Column{Name: name, NotNull: notNull}
	}
	lite := map[string][]storetest.Column{
		"a":        {col("id", true), col("x", true), col("only_lite", true)},
		"b":        {col("y", false)},
		"lite":     {col("z", true)},
		gooseTable: {col("tstamp", false)},
	}
	pg := map[string][]storetest.Column{
		"a":        {col("id", true), col("x", false), col("only_pg", true)},
		"b":        {col("y", false)},
		"pg":       {col("z", true)},
		gooseTable: {col("tstamp", true)},
	}
	got := strings.Join(diffSchemas(lite, pg), "\n")
	for _, want := range []string{
		"table lite is on SQLite only",
		"table pg is on PostgreSQL only",
		"column a.only_lite is on SQLite only",
		"column a.only_pg is on PostgreSQL only",
		"column a.x: NOT NULL on SQLite, nullable on PostgreSQL",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("differences do not say %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "a.id") || strings.Contains(got, "b.") || strings.Contains(got, gooseTable) {
		t.Errorf("reported what is not a difference:\n%s", got)
	}
	if n := len(diffSchemas(lite, lite)); n != 0 {
		t.Errorf("a schema differs from itself in %d ways", n)
	}
}

// diffSchemas lists the differences between the SQLite and the PostgreSQL
// schema, sorted.
func diffSchemas(lite, pg map[string][]storetest.Column) []string {
	var out []string
	for tbl, lcols := range lite {
		pcols, ok := pg[tbl]
		if !ok {
			out = append(out, fmt.Sprintf("table %s is on SQLite only", tbl))
			continue
		}
		if tbl == gooseTable {
			continue
		}
		pByName := map[string]storetest.Column{}
		for _, c := range pcols {
			pByName[c.Name] = c
		}
		for _, lc := range lcols {
			pc, ok := pByName[lc.Name]
			if !ok {
				out = append(out, fmt.Sprintf("column %s.%s is on SQLite only", tbl, lc.Name))
				continue
			}
			delete(pByName, lc.Name)
			if lc.NotNull != pc.NotNull {
				out = append(out, fmt.Sprintf("column %s.%s: %s on SQLite, %s on PostgreSQL", tbl, lc.Name, nullability(lc), nullability(pc)))
			}
		}
		for name := range pByName {
			out = append(out, fmt.Sprintf("column %s.%s is on PostgreSQL only", tbl, name))
		}
	}
	for tbl := range pg {
		if _, ok := lite[tbl]; !ok {
			out = append(out, fmt.Sprintf("table %s is on PostgreSQL only", tbl))
		}
	}
	slices.Sort(out)
	return out
}

func nullability(c storetest.Column) string {
	if c.NotNull {
		return "NOT NULL"
	}
	return "nullable"
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestNotNullKeysMigration checks SQLite's 00010 on a store with data: it
// keeps every row of the tables it rebuilds (sessions still open), makes
// their keys refuse NULL, goes down and up again, and fails, changing
// nothing, on a NULL key written before it.
func TestNotNullKeysMigration(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	w := storetest.NewWorld(t, st)
	user := w.C1.User
	session, err := storetest.Accounts(st).CreateSession(ctx, user.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := storetest.Accounts(st).CreatePasswordReset(ctx, user.Email, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := st.Ready(ctx); err != nil { // writes the readiness row
		t.Fatal(err)
	}
	rebuilt := []string{"secret_keys", "web_sessions", "password_resets", "readiness"}
	count := func() string {
		var b strings.Builder
		for _, tbl := range rebuilt {
			var n int
			if err := st.DB().QueryRow("SELECT COUNT(*) FROM " + tbl).Scan(&n); err != nil {
				t.Fatalf("count %s: %v", tbl, err)
			}
			fmt.Fprintf(&b, "%s=%d ", tbl, n)
		}
		return b.String()
	}
	before := count()
	if strings.Contains(before, "=0") {
		t.Fatalf("a rebuilt table is empty before the migration: %s", before)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, st.DB(), os.DirFS("migrations/sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	const version = 10
	if _, err := p.DownTo(ctx, version-1); err != nil {
		t.Fatalf("down to %d: %v", version-1, err)
	}
	if got := count(); got != before {
		t.Fatalf("down: %s, want %s", got, before)
	}
	insertNull := `INSERT INTO secret_keys (id, material, created_at) VALUES (NULL, 'x', '2026-02-10 09:00:00')`
	if _, err := st.DB().Exec(insertNull); err != nil {
		t.Fatalf("before %d SQLite takes a NULL key: %v", version, err)
	}
	if _, err := p.UpTo(ctx, version); err == nil {
		t.Fatalf("migration %d passed over a NULL key", version)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != version-1 {
		t.Fatalf("after the failed migration: version %d (%v), want %d", v, err, version-1)
	}
	if _, err := st.DB().Exec(`DELETE FROM secret_keys WHERE id IS NULL`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	if got := count(); got != before {
		t.Fatalf("up: %s, want %s", got, before)
	}
	if _, got, err := st.Session(ctx, session); err != nil || got.ID != user.ID {
		t.Fatalf("session after the migration: user %d, %v", got.ID, err)
	}
	if _, err := st.DB().Exec(insertNull); err == nil {
		t.Fatal("a NULL key is still taken after the migration")
	}
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
}
