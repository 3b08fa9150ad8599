package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// Multi-row statements (INSERT … VALUES (…),(…), UPDATE … FROM (VALUES …))
// for the billing run's writes, shaped so that both engines run them fast:
//
//   - SQLite gets anonymous `?` placeholders. It keeps a statement's `$n`
//     names in a list it searches for every parameter, when parsing and
//     again when binding each execution, so a statement of p `$n`
//     parameters costs O(p²) (the profile of a 20,000-subscription run
//     spent a third of its time there); `?` costs O(p).
//   - PostgreSQL gets `$n`, cast where a VALUES list needs a type.
//   - Rows go in batches of a few fixed sizes only (full batches of
//     maxRows, the rest split into powers of two), so that each shape is
//     parsed and prepared once: SQLite's statement cache and pgx's
//     per-connection cache hold a handful of statements per table instead
//     of one per row count.

// maxRows is the largest batch of rows in one statement: 32 parameters a
// row stays far below both engines' limits (SQLite 32,766, PostgreSQL
// 65,535).
const maxRows = 128

// batchSizes splits n rows into batches of maxRows and then powers of
// two, largest first.
func batchSizes(n int) []int {
	var out []int
	for n >= maxRows {
		out = append(out, maxRows)
		n -= maxRows
	}
	for size := maxRows / 2; size >= 1; size /= 2 {
		if n >= size {
			out = append(out, size)
			n -= size
		}
	}
	return out
}

// rowsStatement is a statement of the form prefix + VALUES rows + suffix.
type rowsStatement struct {
	prefix, suffix string
	// row is one row's placeholders with their casts on PostgreSQL,
	// e.g. []string{"::bigint", ""}; SQLite ignores the casts. A
	// literal (no placeholder) is written as "=DEFAULT" or "=NULL"; an
	// expression of one parameter as "~" and the expression with "?" for
	// its placeholder, e.g. "~(SELECT kind FROM organizations WHERE id = ?)".
	row []string
}

// text is the statement for rows rows on the engine.
func (r rowsStatement) text(engine Engine, rows int) string {
	var sb strings.Builder
	sb.WriteString(r.prefix)
	n := 0
	for i := range rows {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for j, c := range r.row {
			if j > 0 {
				sb.WriteByte(',')
			}
			if lit, ok := strings.CutPrefix(c, "="); ok {
				if lit == "DEFAULT" && engine == SQLite {
					lit = "NULL" // SQLite has no DEFAULT in VALUES; NULL makes a new rowid
				}
				sb.WriteString(lit)
				continue
			}
			if expr, ok := strings.CutPrefix(c, "~"); ok {
				if engine == Postgres {
					n++
					expr = strings.Replace(expr, "?", "$"+strconv.Itoa(n), 1)
				}
				sb.WriteString(expr)
				continue
			}
			if engine == SQLite {
				sb.WriteByte('?')
				continue
			}
			n++
			sb.WriteString("$" + strconv.Itoa(n) + c)
		}
		sb.WriteByte(')')
	}
	sb.WriteString(r.suffix)
	return sb.String()
}

// width is the number of parameters of one row.
func (r rowsStatement) width() int {
	n := 0
	for _, c := range r.row {
		if !strings.HasPrefix(c, "=") {
			n++
		}
	}
	return n
}

// run runs the statement over args, the parameters of every row in order
// (width() each), in batches; each runs through the transaction's
// statement cache. each, when set, is called with every batch's result
// and its number of rows.
func (r rowsStatement) run(ctx context.Context, t *txn, args []any, each func(res sql.Result, rows int) error) error {
	w := r.width()
	start := 0
	for _, size := range batchSizes(len(args) / w) {
		res, err := t.ExecContext(ctx, r.text(t.s.engine, size), args[start*w:(start+size)*w]...)
		if err != nil {
			return err
		}
		if each != nil {
			if err := each(res, size); err != nil {
				return err
			}
		}
		start += size
	}
	return nil
}

// query runs the statement (one with RETURNING) over args in batches as
// run does, calling scan for every row returned.
func (r rowsStatement) query(ctx context.Context, t *txn, args []any, scan func(*sql.Rows) error) error {
	w := r.width()
	start := 0
	for _, size := range batchSizes(len(args) / w) {
		rows, err := t.QueryContext(ctx, r.text(t.s.engine, size), args[start*w:(start+size)*w]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		start += size
	}
	return nil
}
