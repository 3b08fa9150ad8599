package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/store/storetest"
)

// TestScopedListPlans asks each engine how it runs a page of every list
// scoped by a role, and fails unless it is a range scan of one index in id
// order: no sort of the matching rows, no scan of the whole table, and the
// index of the role's scope column (scope.go). A list that reads every
// row its caller may see to sort them takes a second at a million rows
// (issue 19; the invoices too, until migration 00036); this catches the
// query or index change that brings it back. Vendors see no invoices.
//
// PostgreSQL plans by statistics, and these tables are empty: the test
// turns off sequential scans and sorts for its session, so the planner
// takes an index path in id order if, and only if, one exists.
func TestScopedListPlans(t *testing.T) {
	roles := []struct {
		kind  mercato.OrgKind
		index string // the index suffix after the table's name; "" for the primary key
	}{
		{mercato.KindPlatform, ""},
		{mercato.KindCustomer, "customer"},
		{mercato.KindReseller, "reseller"},
		{mercato.KindDistributor, "distributor"},
		{mercato.KindVendor, "vendor"},
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		conn, err := st.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if st.Engine() == store.Postgres {
			if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off; SET enable_sort = off"); err != nil {
				t.Fatal(err)
			}
		}
		for _, r := range roles {
			lists := store.ScopedLists(mercato.Principal{OrgID: 42, OrgKind: r.kind})
			for table, l := range lists {
				t.Run(fmt.Sprintf("%s/%s", r.kind, table), func(t *testing.T) {
					if r.kind == mercato.KindVendor && table == "invoices" {
						// Vendors see no invoices (they read earnings):
						// the condition is a constant, no row is read.
						if !strings.Contains(l.SQL, "WHERE FALSE") {
							t.Errorf("a vendor's invoices are not none: %s", l.SQL)
						}
						return
					}
					plan := explain(t, ctx, conn, st.Engine(), l)
					want := table + "_" + r.index
					if r.index == "" {
						want = table + "_pkey"
					}
					checkPlan(t, st.Engine(), plan, want, r.index == "")
				})
			}
		}
	})
}

func explain(t *testing.T, ctx context.Context, conn *sql.Conn, engine store.Engine, l store.ScopedList) string {
	t.Helper()
	prefix := "EXPLAIN QUERY PLAN "
	if engine == store.Postgres {
		prefix = "EXPLAIN (FORMAT TEXT) "
	}
	rows, err := conn.QueryContext(ctx, prefix+l.SQL, l.Args...)
	if err != nil {
		t.Fatalf("%s: %v", l.SQL, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		if err := rows.Scan(vals...); err != nil {
			t.Fatal(err)
		}
		// SQLite answers (id, parent, notused, detail); PostgreSQL one
		// line of text a row.
		out = append(out, fmt.Sprint(*vals[len(vals)-1].(*any)))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

// checkPlan fails unless plan reads the table through index want in its
// order (or, for the platform on SQLite, the table itself in rowid order).
func checkPlan(t *testing.T, engine store.Engine, plan, want string, all bool) {
	t.Helper()
	switch engine {
	case store.SQLite:
		if strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("the rows are sorted after they are read:\n%s", plan)
		}
		if all {
			// The table itself is a B-tree by rowid: the id order.
			if !strings.Contains(plan, "USING INTEGER PRIMARY KEY") {
				t.Errorf("not a scan in rowid order:\n%s", plan)
			}
			return
		}
		if !strings.Contains(plan, "INDEX "+want+" ") {
			t.Errorf("does not search index %s:\n%s", want, plan)
		}
	case store.Postgres:
		for _, bad := range []string{"Sort", "Seq Scan", "Bitmap"} {
			if strings.Contains(plan, bad) {
				t.Errorf("plan has a %s:\n%s", bad, plan)
			}
		}
		if !strings.Contains(plan, " using "+want+" ") {
			t.Errorf("does not scan index %s:\n%s", want, plan)
		}
	}
}
