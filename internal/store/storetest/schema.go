package storetest

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mercato-market/mercato/internal/store"
)

// Column is one column of a table as the engine's catalog describes it.
type Column struct {
	Name string
	// NotNull is true when the engine refuses NULL in the column: declared
	// NOT NULL, or a primary-key column where the engine makes that imply
	// NOT NULL. PostgreSQL does for every primary-key column; SQLite only
	// for an INTEGER PRIMARY KEY (the rowid) and in WITHOUT ROWID or STRICT
	// tables, and otherwise takes NULL in a primary-key column unless it is
	// declared NOT NULL.
	NotNull bool
}

// Schema maps each table of the store's schema to its columns in their
// declared order, read from the engine's catalog (sqlite_schema,
// pragma_table_list and pragma_table_info on SQLite; information_schema on
// PostgreSQL, in the connection's current schema). SQLite's own tables
// (sqlite_*) are left out.
func Schema(t TB, st *store.Store) map[string][]Column {
	t.Helper()
	s, err := readSchema(st)
	if err != nil {
		t.Fatalf("read %s schema: %v", st.Engine(), err)
	}
	return s
}

// Tables lists every table of the store's schema, sorted, read from the
// engine's catalog at run time (the same tables as Schema, by a cheaper
// query), so that migrations add tables without editing a list here. It
// includes goose's version table, which only migrations write. The list is
// read once per store and kept while the store is open (until the test
// that opened it with Open ends): reading PostgreSQL's catalog costs more
// than the row counts themselves, and tests do not create tables.
func Tables(t TB, st *store.Store) []string {
	t.Helper()
	if v, ok := tableCache.Load(st); ok {
		return slices.Clone(v.([]string))
	}
	names, err := tableNames(st)
	if err == nil && len(names) == 0 {
		err = errors.New("no tables: is the store migrated?")
	}
	if err != nil {
		t.Fatalf("read %s tables: %v", st.Engine(), err)
	}
	tableCache.Store(st, names)
	return slices.Clone(names)
}

// tableCache holds the table names of open stores, by *store.Store.
var tableCache sync.Map

const (
	sqliteTables   = `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`
	postgresTables = `SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() ORDER BY tablename`
)

func tableNames(st *store.Store) ([]string, error) {
	switch st.Engine() {
	case store.SQLite:
		return textColumn(st.DB(), sqliteTables)
	case store.Postgres:
		return textColumn(st.DB(), postgresTables)
	}
	return nil, fmt.Errorf("unknown engine %q", st.Engine())
}

func readSchema(st *store.Store) (map[string][]Column, error) {
	var (
		out map[string][]Column
		err error
	)
	switch st.Engine() {
	case store.SQLite:
		out, err = readSQLite(st.DB())
	case store.Postgres:
		out, err = readPostgres(st.DB())
	default:
		return nil, fmt.Errorf("unknown engine %q", st.Engine())
	}
	if err == nil && len(out) == 0 {
		err = errors.New("no tables: is the store migrated?")
	}
	return out, err
}

// readSQLite reads sqlite_schema, pragma_table_list and pragma_table_info.
func readSQLite(db *sql.DB) (map[string][]Column, error) {
	names, err := textColumn(db, sqliteTables)
	if err != nil {
		return nil, fmt.Errorf("tables: %w", err)
	}
	out := make(map[string][]Column, len(names))
	for _, tbl := range names {
		var withoutRowid, strict bool
		if err := db.QueryRow(`SELECT wr, strict FROM pragma_table_list($1) WHERE schema = 'main'`, tbl).Scan(&withoutRowid, &strict); err != nil {
			return nil, fmt.Errorf("table %s: %w", tbl, err)
		}
		type info struct {
			name, typ string
			notNull   bool
			pk        int
		}
		var cols []info
		pks := 0
		err := query(db, `SELECT name, type, "notnull", pk FROM pragma_table_info($1) ORDER BY cid`, []any{tbl}, func(rows *sql.Rows) error {
			var c info
			if err := rows.Scan(&c.name, &c.typ, &c.notNull, &c.pk); err != nil {
				return err
			}
			if c.pk > 0 {
				pks++
			}
			cols = append(cols, c)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", tbl, err)
		}
		for _, c := range cols {
			rowid := c.pk > 0 && pks == 1 && !withoutRowid && strings.EqualFold(c.typ, "INTEGER")
			pkNotNull := c.pk > 0 && (rowid || withoutRowid || strict)
			out[tbl] = append(out[tbl], Column{Name: c.name, NotNull: c.notNull || pkNotNull})
		}
	}
	return out, nil
}

// readPostgres reads information_schema in the connection's current schema.
func readPostgres(db *sql.DB) (map[string][]Column, error) {
	out := map[string][]Column{}
	err := query(db, `SELECT c.table_name, c.column_name, c.is_nullable = 'NO'
		FROM information_schema.columns c JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`, nil, func(rows *sql.Rows) error {
		var (
			tbl string
			c   Column
		)
		if err := rows.Scan(&tbl, &c.Name, &c.NotNull); err != nil {
			return err
		}
		out[tbl] = append(out[tbl], c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("columns: %w", err)
	}
	return out, nil
}

// query runs q and calls each for every row.
func query(db *sql.DB, q string, args []any, each func(*sql.Rows) error) error {
	rows, err := db.Query(q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// textColumn runs a query of one text column and returns its values.
func textColumn(db *sql.DB, q string) ([]string, error) {
	var out []string
	err := query(db, q, nil, func(rows *sql.Rows) error {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}
