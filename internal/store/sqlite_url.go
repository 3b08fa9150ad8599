package store

import (
	"fmt"
	"net/url"
	"strings"
)

// Synchronous is SQLite's synchronous setting, which decides what a
// committed transaction survives (WAL mode in both cases):
//
//   - SyncNormal (the default): a crash of the process loses nothing; a power
//     loss or an operating-system crash may lose the transactions committed
//     since the last checkpoint (the database itself stays consistent).
//   - SyncFull: the WAL is synced at every commit, so a commit survives a
//     power loss too, at the price of one fsync per commit.
type Synchronous string

// The settings `sqlite:PATH?synchronous=…` accepts.
const (
	SyncNormal Synchronous = "normal"
	SyncFull   Synchronous = "full"
)

// sqliteURL is a parsed "sqlite:PATH[?synchronous=normal|full]".
type sqliteURL struct {
	path string
	sync Synchronous
}

// parseSQLiteURL reads what follows "sqlite:": a path, then optionally
// parameters, of which only synchronous is known (anything else is refused,
// so that a misspelt setting is not silently ignored).
func parseSQLiteURL(rest string) (sqliteURL, error) {
	path, query, _ := strings.Cut(rest, "?")
	u := sqliteURL{path: path, sync: SyncNormal}
	if path == "" {
		return u, fmt.Errorf("sqlite: empty path")
	}
	params, err := url.ParseQuery(query)
	if err != nil {
		return u, fmt.Errorf("sqlite parameters %q: %w", query, err)
	}
	for key, values := range params {
		if key != "synchronous" {
			return u, fmt.Errorf("sqlite parameter %q: unknown (only synchronous=normal|full)", key)
		}
		if len(values) != 1 {
			return u, fmt.Errorf("sqlite parameter synchronous: given %d times", len(values))
		}
		switch s := Synchronous(strings.ToLower(values[0])); s {
		case SyncNormal, SyncFull:
			u.sync = s
		default:
			return u, fmt.Errorf("sqlite parameter synchronous=%q: want normal or full", values[0])
		}
	}
	return u, nil
}

// CheckURL reports what is wrong with a database URL before anything
// connects: its scheme, and a SQLite URL's parameters.
func CheckURL(dbURL string) error {
	switch {
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		return nil
	case strings.HasPrefix(dbURL, "sqlite:"):
		_, err := parseSQLiteURL(strings.TrimPrefix(dbURL, "sqlite:"))
		return err
	}
	return fmt.Errorf("want sqlite:PATH or postgres://…")
}
