package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/mercato-market/mercato/internal/api"
	"github.com/mercato-market/mercato/internal/demo"
	"github.com/mercato-market/mercato/internal/store"
	"github.com/mercato-market/mercato/internal/telemetry"
)

// serveEnv is what serve hands to the services it runs beside the API.
type serveEnv struct {
	Store *store.Store
	Log   *slog.Logger
	// Mux serves everything; the API holds /api/, /openapi.*, /healthz and
	// /readyz, and services add their routes (the control panel: "/").
	Mux *http.ServeMux
	// APIOptions are applied when the API is built, after every service's
	// routes hook ran (the dispatcher adds its test-event sender).
	APIOptions []api.Option
	// BaseURL is http://HOST:PORT, known once serve listens (start hooks).
	BaseURL      string
	Demo         bool
	AllowPrivate bool // webhook and metric URLs may be private (and http)
	Stdout       io.Writer
	Services     *appServices // the application services (serve_services.go)
}

// service is work serve runs beside the API: background workers, the
// control panel, the demo's emulators and connectors. Each lives in its own
// serve_*.go file and registers itself from an init function, so that
// features do not edit one shared list.
type service struct {
	name string
	// flags declares the service's own flags (optional).
	flags func(fs *flag.FlagSet)
	// routes adds HTTP routes or API options before serving (optional).
	routes func(env *serveEnv) error
	// start runs once serve listens, until ctx ends; serve waits for it
	// to return before it closes the API (optional).
	start func(ctx context.Context, env *serveEnv) error
}

var services []service

func registerService(s service) { services = append(services, s) }

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	var (
		db        dbFlags
		addr      = fs.String("addr", "127.0.0.1:8080", "listen address HOST:PORT (env MERCATO_ADDR)")
		withDemo  = fs.Bool("demo", false, "seed demo organizations, users, products and plans (once), print the logins, and run the sample vendor, emulators and connectors in-process (env MERCATO_DEMO)")
		logFormat = fs.String("log-format", "text", "log format: text or json (env MERCATO_LOG_FORMAT)")
		logLevel  = fs.String("log-level", "info", "log level: debug, info, warn, error (env MERCATO_LOG_LEVEL)")
		rateLimit = fs.Float64("api-rate-limit", 100, "requests a second each API token may make (0: no limit) (env MERCATO_API_RATE_LIMIT)")
		rateBurst = fs.Int("api-rate-burst", 200, "burst each API token may make above its rate (env MERCATO_API_RATE_BURST)")
		private   = fs.Bool("webhooks-allow-private", false, "allow webhook (and metric) URLs on private, loopback and link-local addresses, and plain http (on with --demo) (env MERCATO_WEBHOOKS_ALLOW_PRIVATE)")
	)
	db.register(fs)
	for _, s := range services {
		if s.flags != nil {
			s.flags(fs)
		}
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, *logLevel)
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

	env := &serveEnv{Store: st, Log: log, Mux: http.NewServeMux(), Demo: *withDemo, AllowPrivate: *private || *withDemo, Stdout: stdout}
	env.APIOptions = append(env.APIOptions, api.WithRateLimit(*rateLimit, *rateBurst))
	env.Services = newServices(st)
	env.APIOptions = append(env.APIOptions, env.Services.apiOptions()...)
	for _, s := range services {
		if s.routes != nil {
			if err := s.routes(env); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
		}
	}
	apiHandler := api.New(st, log, env.APIOptions...)
	for _, pattern := range []string{"/api/", "/openapi.json", "/openapi.yaml", "/healthz", "/readyz"} {
		env.Mux.Handle(pattern, apiHandler)
	}
	if !hasRoot(env.Mux) {
		env.Mux.Handle("/", apiHandler) // its own 404 problem for anything else
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	env.BaseURL = "http://" + ln.Addr().String()
	env.Mux.Handle("GET /metrics", telemetry.Handler())
	if err := telemetry.RegisterQueue(st.DeliveryBacklog); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	srv := &http.Server{
		Handler:           telemetry.Middleware(env.Mux),
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
		if s.start == nil {
			continue
		}
		wg.Go(func() {
			if err := s.start(work, env); err != nil && work.Err() == nil {
				log.Error("service stopped", "service", s.name, "err", err)
			}
		})
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
	stopServices()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// hasRoot reports whether a service took the "/" pattern.
func hasRoot(mux *http.ServeMux) bool {
	req, _ := http.NewRequest(http.MethodGet, "/no-such-path-for-serve-to-check", nil)
	_, pattern := mux.Handler(req)
	return pattern == "/" || pattern == "GET /"
}
