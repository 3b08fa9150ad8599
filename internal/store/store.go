// Package store keeps the marketplace in SQL: one set of queries over
// database/sql for two engines, SQLite (modernc, the embedded default) and
// PostgreSQL (pgx, the scale-out store), with one schema history of
// embedded goose migrations per engine.
//
// Store methods take the calling Principal and apply the same visibility
// rules as the API promises: rows the caller may not see are reported as
// not found, never as forbidden.
package store

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/mercato-market/mercato/internal/mercato"
	"github.com/mercato-market/mercato/internal/notify"
)

//go:embed migrations
var migrations embed.FS

// Engine names a database engine.
type Engine string

// Engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// Store is the marketplace's database.
type Store struct {
	db     *sql.DB
	engine Engine
	// stmts caches prepared statements by their SQL on SQLite, where
	// parsing a statement costs more than running most of them; pgx keeps
	// its own statement cache on PostgreSQL.
	stmts    sync.Map
	onEvents atomic.Pointer[func()]
	// onDisabled queues, in the transaction that disables a webhook
	// endpoint, the mail that tells its owner (OnEndpointDisabled).
	onDisabled atomic.Pointer[EndpointDisabledFunc]
	secrets    secrets // seals credential values (provisioning.go)
	// Now returns the current time; tests replace it to move the clock.
	Now func() time.Time

	// statements counts the statements run through conn (Statements).
	statements atomic.Int64

	// preparing counts the statements being prepared in the background (see
	// stmt); Close waits for them, so that no connection outlives it.
	preparing sync.WaitGroup
}

// Pool sizes the connection pool; a zero field keeps the engine's default
// (PostgreSQL: 20 open, 20 idle; SQLite: 8 open, database/sql's idle).
type Pool struct {
	MaxOpen, MaxIdle int
}

// Open connects to the database named by url: "sqlite:PATH" (or a bare
// path ending in .db) or "postgres://…", with at most one pool size. It
// does not migrate.
func Open(ctx context.Context, url string, pool ...Pool) (*Store, error) {
	var (
		db     *sql.DB
		engine Engine
		err    error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		engine = Postgres
		db, err = sql.Open("pgx", url)
		if err == nil {
			db.SetMaxOpenConns(20)
			db.SetMaxIdleConns(20)
		}
	case strings.HasPrefix(url, "sqlite:"):
		engine = SQLite
		db, err = openSQLite(strings.TrimPrefix(url, "sqlite:"))
	default:
		return nil, fmt.Errorf("unsupported database url %q: want sqlite:PATH or postgres://…", url)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", engine, err)
	}
	for _, p := range pool {
		if p.MaxOpen > 0 {
			db.SetMaxOpenConns(p.MaxOpen)
		}
		if p.MaxIdle > 0 {
			db.SetMaxIdleConns(p.MaxIdle)
		}
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", engine, err)
	}
	return &Store{db: db, engine: engine, Now: func() time.Time { return time.Now() }}, nil
}

// openSQLite opens a SQLite file in WAL mode with foreign keys enforced
// and the synchronous setting of the URL (NORMAL unless ?synchronous=full;
// see Synchronous). The pragmas are in the DSN, so every connection of the
// pool runs them when it opens. Transactions begin IMMEDIATE so that
// concurrent writers queue on the busy timeout instead of failing on a lock
// upgrade.
func openSQLite(rest string) (*sql.DB, error) {
	u, err := parseSQLiteURL(rest)
	if err != nil {
		return nil, err
	}
	dsn := "file:" + u.path + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(" +
		strings.ToUpper(string(u.sync)) + ")&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	return db, nil
}

// Engine reports which engine the store runs on.
func (s *Store) Engine() Engine { return s.engine }

// DB returns the underlying handle, for health checks and tools.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database, after the statements being prepared in the
// background are ready.
func (s *Store) Close() error {
	s.preparing.Wait()
	s.stmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return s.db.Close()
}

func (s *Store) provider() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.engine))
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectSQLite3
	if s.engine == Postgres {
		dialect = goose.DialectPostgres
	}
	return goose.NewProvider(dialect, s.db, sub)
}

// Migrate applies every pending migration and returns how many ran.
func (s *Store) Migrate(ctx context.Context) (int, error) {
	p, err := s.provider()
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate %s: %w", s.engine, err)
	}
	return len(res), nil
}

// Ready reports an error unless the database answers, takes a write, and
// every migration has been applied. The write (one row, updated in place)
// is what tells a full disk or a read-only database from a healthy one:
// both still answer reads.
func (s *Store) Ready(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, `INSERT INTO readiness (probe, checked_at) VALUES ('ready', $1)
		ON CONFLICT (probe) DO UPDATE SET checked_at = excluded.checked_at`, s.now()); err != nil {
		return fmt.Errorf("database refuses writes: %w", err)
	}
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	if pending {
		return errors.New("migrations pending")
	}
	return nil
}

// now returns the store's clock in UTC at microsecond precision, the
// precision both engines keep, so a value reads back as it was written.
func (s *Store) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// tx runs fn in a transaction, committing when it returns nil.
func (s *Store) tx(ctx context.Context, fn func(*txn) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &txn{conn: conn{s: s, tx: tx}}
	if err := fn(t); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	if t.recorded {
		s.signal()
	}
	return nil
}

// OnEvents sets a function called after every commit that recorded
// lifecycle events, to wake the dispatcher without waiting for its poll.
// It must not block.
func (s *Store) OnEvents(fn func()) { s.onEvents.Store(&fn) }

// EndpointDisabledFunc is called in the transaction that disables a
// webhook endpoint (the dispatcher gave up on it).
type EndpointDisabledFunc func(ctx context.Context, tx *Tx, e notify.DisabledEndpoint) error

// OnEndpointDisabled sets what runs in the transaction that disables a
// webhook endpoint: the application wires the notify service, which
// queues the mail to its owner's admins, so the mail exists if and only
// if the endpoint was disabled.
func (s *Store) OnEndpointDisabled(fn EndpointDisabledFunc) { s.onDisabled.Store(&fn) }

func (s *Store) signal() {
	if fn := s.onEvents.Load(); fn != nil {
		(*fn)()
	}
}

// conn runs queries on the database, or inside a transaction when tx is
// set, through the statement cache.
type conn struct {
	s  *Store
	tx *sql.Tx
}

// txn is a transaction in progress.
type txn struct {
	conn
	recorded bool // lifecycle events were written, or deliveries made due again
}

// rd returns a conn outside any transaction.
func (s *Store) rd() conn { return conn{s: s} }

// stmt returns the cached prepared statement for query, bound to the
// transaction if there is one, or nil where statements are not cached.
func (c conn) stmt(ctx context.Context, query string) *sql.Stmt {
	if c.s.engine != SQLite {
		return nil
	}
	v, ok := c.s.stmts.Load(query)
	if !ok {
		if c.tx != nil {
			// Preparing takes a second connection from the pool: inside a
			// transaction that holds SQLite's write lock, waiting for one
			// could wait for the writers queued behind this very lock. Run
			// this query plainly and prepare it for next time beside.
			c.s.preparing.Go(func() { c.s.prepare(context.WithoutCancel(ctx), query) })
			return nil
		}
		st := c.s.prepare(ctx, query)
		if st == nil {
			return nil // the plain call reports the error
		}
		v = st
	}
	st := v.(*sql.Stmt)
	if c.tx != nil {
		return c.tx.StmtContext(ctx, st) // closed with the transaction
	}
	return st
}

// prepare caches a prepared statement for query and returns it (nil when it
// does not prepare).
func (s *Store) prepare(ctx context.Context, query string) *sql.Stmt {
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if v, loaded := s.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	return st
}

// Statements is the number of statements the store has run so far (those
// of its repositories; tests count what a use case costs with it).
func (s *Store) Statements() int64 { return s.statements.Load() }

func (c conn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	c.s.statements.Add(1)
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.QueryRowContext(ctx, query, args...)
	}
	return c.s.db.QueryRowContext(ctx, query, args...)
}

func (c conn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.s.statements.Add(1)
	if st := c.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.QueryContext(ctx, query, args...)
	}
	return c.s.db.QueryContext(ctx, query, args...)
}

func (c conn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.s.statements.Add(1)
	if st := c.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.ExecContext(ctx, query, args...)
	}
	return c.s.db.ExecContext(ctx, query, args...)
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// query builds SQL with numbered placeholders ($1, $2, …), which both
// engines accept.
type query struct {
	sb   strings.Builder
	args []any
}

// arg records v and returns its placeholder.
func (q *query) arg(v any) string {
	q.args = append(q.args, v)
	return fmt.Sprintf("$%d", len(q.args))
}

// add appends SQL text; each %a in format is replaced by a placeholder for
// the next value in vals.
func (q *query) add(format string, vals ...any) *query {
	parts := strings.Split(format, "%a")
	if len(parts)-1 != len(vals) {
		panic(fmt.Sprintf("query: %d placeholders, %d values in %q", len(parts)-1, len(vals), format))
	}
	for i, part := range parts {
		q.sb.WriteString(part)
		if i < len(vals) {
			q.sb.WriteString(q.arg(vals[i]))
		}
	}
	return q
}

func (q *query) String() string { return q.sb.String() }

// ids adds a parenthesised list of ids, one placeholder each, for IN.
func (q *query) ids(ids []int64) {
	q.add("(")
	for i, id := range ids {
		if i > 0 {
			q.add(", ")
		}
		q.add("%a", id)
	}
	q.add(")")
}

// jsonText marshals v for a JSON column.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode json column: %w", err)
	}
	return string(b), nil
}

// jsonColumn scans a JSON column (TEXT in SQLite, JSONB in PostgreSQL).
type jsonColumn struct{ dst any }

func (j jsonColumn) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	return json.Unmarshal(b, j.dst)
}

// Page asks for one page of a list ordered by id (the domain's type, so
// that services declare list reads without importing the store).
type Page = mercato.Page

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// list runs q, which must end inside a WHERE clause, as one page ordered by
// idCol, scanning each row with scan; it returns the page and the cursor of
// the next one (0 on the last).
func list[T any](ctx context.Context, db queryer, q *query, idCol string, page Page, what string, scan func(scanner) (T, error), id func(T) int64) ([]T, int64, error) {
	paginate(q, idCol, page)
	rows, err := db.QueryContext(ctx, q.String(), q.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("scan %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list %s: %w", what, err)
	}
	items, next := trim(out, page, id)
	return items, next, nil
}

// paginate adds the id cursor and limit to q, which must end inside a
// WHERE clause; it fetches one extra row to learn whether more follow.
func paginate(q *query, idCol string, p Page) {
	if p.After > 0 {
		q.add(" AND "+idCol+" > %a", p.After)
	}
	q.add(" ORDER BY "+idCol+" LIMIT %a", p.Size()+1)
}

// trim cuts the extra row fetched by paginate and returns the cursor for
// the next page (0 when this is the last).
func trim[T any](items []T, p Page, id func(T) int64) ([]T, int64) {
	if len(items) > p.Size() {
		items = items[:p.Size()]
		return items, id(items[len(items)-1])
	}
	return items, 0
}

// notFoundIfNoRows turns sql.ErrNoRows into a not-found error.
func notFoundIfNoRows(err error, kind string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return mercato.NotFound(kind, id)
	}
	return err
}

// isUniqueViolation reports whether err is a unique-constraint failure on
// either engine, by the driver's error code: PostgreSQL's SQLSTATE 23505
// (unique_violation, primary keys included), SQLite's extended result
// codes SQLITE_CONSTRAINT_UNIQUE and SQLITE_CONSTRAINT_PRIMARYKEY (the
// modernc driver turns extended codes on).
func isUniqueViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == pgUniqueViolation
	}
	if liteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		code := liteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// pgUniqueViolation is PostgreSQL's SQLSTATE for a unique or primary-key
// violation.
const pgUniqueViolation = "23505"

// Backup writes a consistent copy of a SQLite database to path while it
// stays in use (VACUUM INTO, which reads one snapshot). PostgreSQL is backed
// up with its own tools (pg_dump, or the managed service's snapshots).
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.engine != SQLite {
		return errors.New("backup: use pg_dump for PostgreSQL (see docs/operations.md)")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists", path)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO $1`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
