package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/config"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/telemetry"
)

// serveEnv is what the demo's in-process services need of serve.
type serveEnv struct {
	Store *store.Store
	Log   *slog.Logger
	// BaseURL is http://HOST:PORT of the listener, where the in-process
	// connectors and the sample vendor call the API.
	BaseURL string
}

// service is work serve runs beside the HTTP server until ctx ends: the
// webhook dispatcher, usage polling, billing, the demo's emulators and
// connectors. wire lists them all.
type service struct {
	name string
	run  func(ctx context.Context) error
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	cfg := config.Defaults()
	cfg.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err}
	}
	log, err := newLogger(cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	stopTracing, err := telemetry.SetupTracing(ctx)
	if err != nil {
		return err
	}
	defer func() {
		flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(flush); err != nil {
			log.Warn("flush traces", "err", err)
		}
	}()
	st, err := openStore(ctx, log, cfg.Database)
	if err != nil {
		return err
	}
	defer st.Close()

	// The bootstrap token is read from the environment only, so that it
	// never shows in a process list.
	if _, err := st.Bootstrap(ctx, os.Getenv("MERCATO_BOOTSTRAP_TOKEN")); err != nil {
		return err
	}
	if cfg.Demo {
		logins, err := demo.Seed(ctx, st)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		demo.Print(stdout, "http://"+cfg.Addr, logins)
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	baseURL := "http://" + ln.Addr().String()
	if cfg.PublicURL == "" { // only with --demo (Validate)
		cfg.PublicURL = baseURL
	}
	handler, services, err := wire(ctx, &cfg, &serveEnv{Store: st, Log: log, BaseURL: baseURL}, stdout)
	if err != nil {
		return err
	}
	if err := telemetry.RegisterQueue(st.DeliveryBacklog); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}

	// Services run until serve stops them, on a context that outlives ctx
	// just long enough for an orderly shutdown.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	stopServices := sync.OnceFunc(func() {
		stopWork()
		wg.Wait()
	})
	defer stopServices()
	for _, s := range services {
		wg.Go(func() {
			if err := s.run(work); err != nil && work.Err() == nil {
				log.Error("service stopped", "service", s.name, "err", err)
			}
		})
	}

	log.Info("serving", "addr", ln.Addr().String(), "public_url", cfg.PublicURL)
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			return fmt.Errorf("listen for metrics: %w", err)
		}
		metrics := http.NewServeMux()
		metrics.Handle("GET /metrics", telemetry.Handler())
		msrv := &http.Server{Handler: metrics, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		defer msrv.Close()
		log.Info("serving metrics", "addr", mln.Addr().String())
		go func() { errc <- msrv.Serve(mln) }()
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	// Background work first, while the API still answers: a webhook in
	// flight may be a vendor (the in-process sample one, say) calling back.
	stopServices()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
