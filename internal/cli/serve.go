package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/dispatch"
	"github.com/mercato-market/mercato/internal/metering"
	"github.com/mercato-market/mercato/internal/syndication"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var (
		db        dbFlags
		addr      = fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT (env MERCATO_ADDR)")
		withDemo  = fs.Bool("demo", false, "seed demo organizations, users, products and plans (once) and print the logins (env MERCATO_DEMO)")
		logFormat = fs.String("log-format", "text", "log format: text or json (env MERCATO_LOG_FORMAT)")
		logLevel  = fs.String("log-level", "info", "log level: debug, info, warn, error (env MERCATO_LOG_LEVEL)")
		lease     = fs.Duration("webhooks-lease", 0, "how long a process keeps the deliveries it claimed before another may take them over after a crash (default: the longest a batch can take plus 30s) (env MERCATO_WEBHOOKS_LEASE)")
		private   = fs.Bool("webhooks-allow-private", false, "allow webhook URLs on private, loopback and link-local addresses, and plain http (on with --demo) (env MERCATO_WEBHOOKS_ALLOW_PRIVATE)")
		usagePoll = fs.Duration("usage-poll-interval", metering.DefaultInterval, "how often products' metric URLs are polled for usage; the same rule as webhooks for private addresses (env MERCATO_USAGE_POLL_INTERVAL)")
	)
	db.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, *logLevel)
	if err != nil {
		return err
	}
	st, err := db.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()

	// The bootstrap token is read from the environment only, so that it
	// never shows in a process list.
	if _, err := st.Bootstrap(ctx, os.Getenv("MERCATO_BOOTSTRAP_TOKEN")); err != nil {
		return err
	}
	if *withDemo {
		logins, err := demo.Seed(ctx, st)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		demo.Print(stdout, "http://"+*addr, logins)
	}

	allowPrivate := *private || *withDemo
	dispatcher := dispatch.New(st, log, dispatch.Config{AllowPrivate: allowPrivate, Lease: *lease})
	st.OnEvents(dispatcher.Wake)
	workers, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	workersDone := make(chan struct{})
	go func() {
		defer close(workersDone)
		_ = dispatcher.Run(workers)
	}()
	poller := metering.New(st, log, metering.Config{Interval: *usagePoll, AllowPrivate: allowPrivate})
	pollerDone := make(chan struct{})
	go func() {
		defer close(pollerDone)
		_ = poller.Run(workers)
	}()
	defer func() {
		stopWorkers()
		<-workersDone
		<-pollerDone
	}()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           api.New(st, log, api.WithWebhooks(syndication.URLPolicy{AllowPrivate: allowPrivate}, dispatcher.SendTest)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	if *withDemo {
		if _, err := demo.StartVendor(workers, st, "http://"+ln.Addr().String()+"/api/", log); err != nil {
			return fmt.Errorf("demo vendor: %w", err)
		}
	}
	log.Info("serving", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Background work first, while the API still answers: a webhook in
	// flight may be a vendor (the in-process sample one, say) calling back.
	stopWorkers()
	<-workersDone
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
