package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/secretbox"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/telemetry"
)

// dbFlags are the database options every command that uses one shares
// (config.Database: --database-url and the pool size).
type dbFlags struct {
	config.Database
}

func (d *dbFlags) register(fs *flag.FlagSet) { d.Database.Register(fs) }

// open checks the settings, connects to the database and applies pending
// migrations.
func (d *dbFlags) open(ctx context.Context, log *slog.Logger) (*store.Store, error) {
	if err := d.Database.Validate(); err != nil {
		return nil, usageError{err}
	}
	return openStore(ctx, log, d.Database)
}

// openStore connects to the database and applies pending migrations.
func openStore(ctx context.Context, log *slog.Logger, db config.Database) (*store.Store, error) {
	st, err := store.Open(ctx, db.URL, store.Pool{MaxOpen: db.MaxOpenConns, MaxIdle: db.MaxIdleConns})
	if err != nil {
		return nil, err
	}
	// The sealing keys are read from the environment only, so that they
	// never show in a process list: MERCATO_SECRET_KEY is a comma-separated
	// list, the first key seals, all of them open (rotation: put a new key
	// first, run `mercato secrets rotate`, then drop the old ones).
	if v := os.Getenv("MERCATO_SECRET_KEY"); v != "" {
		var keys []*secretbox.Key
		for i, part := range strings.Split(v, ",") {
			key, err := secretbox.ParseKey(strings.TrimSpace(part))
			if err != nil {
				st.Close()
				return nil, fmt.Errorf("MERCATO_SECRET_KEY key %d (base64 of 32 bytes): %w", i+1, err)
			}
			keys = append(keys, key)
		}
		st.SetSecretKeys(keys[0], keys[1:]...)
	} else {
		log.Warn("MERCATO_SECRET_KEY is not set: secrets are sealed with a key kept in the database; set it in production")
	}
	n, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if err := st.LoadSecrets(ctx); err != nil {
		st.Close()
		return nil, err
	}
	log.Info("database ready", "engine", st.Engine(), "url", redactURL(db.URL), "migrations_applied", n)
	return st, nil
}

// redactURL hides a password in a database URL before it is logged.
func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return u
	}
	creds, host, ok := strings.Cut(rest, "@")
	if !ok {
		return u
	}
	if user, _, hasPass := strings.Cut(creds, ":"); hasPass {
		return scheme + "://" + user + ":xxxxx@" + host
	}
	return u
}

// newLogger builds the process logger: text for people, JSON for machines.
func newLogger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError{fmt.Errorf("log level %q: %w", level, err)}
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(telemetry.LogHandler(slog.NewTextHandler(os.Stderr, opts))), nil
	case "json":
		return slog.New(telemetry.LogHandler(slog.NewJSONHandler(os.Stderr, opts))), nil
	}
	return nil, usageError{fmt.Errorf("log format %q: want text or json", format)}
}
