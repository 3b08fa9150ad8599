package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mercato-market/mercato/internal/emulator/emutls"
	"github.com/mercato-market/mercato/internal/emulator/entra"
)

// runEmulateEntra runs the Entra ID emulator on its own.
func runEmulateEntra(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("emulate entra", stderr)
	var (
		addr      = fs.String("addr", "127.0.0.1:8091", "listen address HOST:PORT (env MERCATO_ADDR)")
		config    = fs.String("config", "", "JSON configuration: tenants, apps (client id and secrets), users, resources (env MERCATO_CONFIG); without it, one demo tenant and app")
		lifetime  = fs.Duration("token-lifetime", 0, "access token lifetime (default 1h, or the configuration's) (env MERCATO_TOKEN_LIFETIME)")
		useTLS    = fs.Bool("tls", false, "serve https with a certificate signed by a fresh CA, written to --tls-cert-out (env MERCATO_TLS)")
		certOut   = fs.String("tls-cert-out", "", "with --tls, write the CA certificate (PEM) here for clients to trust (env MERCATO_TLS_CERT_OUT)")
		logFormat = fs.String("log-format", "text", "log format: text or json (env MERCATO_LOG_FORMAT)")
		logLevel  = fs.String("log-level", "info", "log level (env MERCATO_LOG_LEVEL)")
	)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, *logLevel)
	if err != nil {
		return err
	}
	cfg := entra.DemoConfig()
	if *config != "" {
		if cfg, err = entra.LoadConfig(*config); err != nil {
			return err
		}
	}
	if *lifetime > 0 {
		cfg.TokenLifetime = entra.Duration(*lifetime)
	}
	em, err := entra.New(cfg, entra.WithLogger(log))
	if err != nil {
		return err
	}
	if *config == "" {
		fmt.Fprintf(stdout, "entra emulator: demo tenant %s, client id %s (secret: see entra.DemoClientSecret)\n", entra.DemoTenantID, entra.DemoClientID)
	}
	return serveMSEmulator(ctx, "entra", *addr, em.Handler(), *useTLS, *certOut, log, stdout)
}

// serveMSEmulator serves an emulator's handler on addr until ctx ends, over
// TLS with a fresh self-signed certificate when useTLS (written to certOut).
func serveMSEmulator(ctx context.Context, name, addr string, h http.Handler, useTLS bool, certOut string, log *slog.Logger, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	scheme := "http"
	if useTLS {
		host, _, _ := net.SplitHostPort(addr)
		hosts := []string{"localhost", "127.0.0.1", "::1"}
		if host != "" && host != "localhost" && net.ParseIP(host) == nil {
			hosts = append(hosts, host)
		}
		cert, pemBytes, err := emutls.SelfSigned("Mercato "+name+" emulator", hosts...)
		if err != nil {
			ln.Close()
			return err
		}
		if certOut != "" {
			if err := os.WriteFile(certOut, pemBytes, 0o644); err != nil {
				ln.Close()
				return fmt.Errorf("write certificate: %w", err)
			}
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "%s emulator listening on %s://%s\n", name, scheme, ln.Addr())
	log.Info("emulator listening", "emulator", name, "addr", ln.Addr().String(), "tls", useTLS)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
