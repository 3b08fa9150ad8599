package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	armemu "github.com/mercato-market/mercato/internal/emulator/arm"
	"github.com/mercato-market/mercato/internal/emulator/entra"
)

// runEmulateARM runs the ARM emulator on its own, over HTTPS with a fresh
// certificate signed by a fresh CA, whose certificate is written for clients
// to trust.
func runEmulateARM(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("emulate arm", stderr)
	var (
		addr       = fs.String("addr", "127.0.0.1:8092", "listen address HOST:PORT (env MERCATO_ADDR)")
		certOut    = fs.String("cert-out", "arm-emulator.pem", "where to write the CA certificate (PEM) clients must trust, the CA that signed the emulator's certificate (env MERCATO_CERT_OUT)")
		jwks       = fs.String("entra-jwks", "", "JWKS URL of the Entra emulator whose tokens are accepted, e.g. https://127.0.0.1:8091/common/discovery/v2.0/keys; empty accepts any bearer token (env MERCATO_ENTRA_JWKS)")
		entraCA    = fs.String("entra-ca-file", "", "PEM certificate to trust when fetching the JWKS (env MERCATO_ENTRA_CA_FILE)")
		step       = fs.Duration("step", 2*time.Second, "how long each provisioning step takes (env MERCATO_STEP)")
		retryAfter = fs.Duration("retry-after", time.Second, "Retry-After of long-running operations (env MERCATO_RETRY_AFTER)")
		logFormat  = fs.String("log-format", "text", "log format: text or json (env MERCATO_LOG_FORMAT)")
		logLevel   = fs.String("log-level", "info", "log level (env MERCATO_LOG_LEVEL)")
	)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(*logFormat, *logLevel)
	if err != nil {
		return err
	}
	cfg := armemu.Config{Step: *step, RetryAfter: *retryAfter, Log: log}
	if *jwks != "" {
		client := &http.Client{Timeout: 10 * time.Second}
		if *entraCA != "" {
			pemBytes, err := os.ReadFile(*entraCA)
			if err != nil {
				return fmt.Errorf("entra CA: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pemBytes) {
				return errors.New("entra CA: no certificate in the file")
			}
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
			client.Transport = tr
		}
		cfg.Verifier = entraVerifier(entra.NewVerifier(entra.NewRemoteKeys(*jwks, client), entra.ManagementAudiences...))
	} else {
		log.Warn("arm emulator: no --entra-jwks, any bearer token is accepted")
	}
	host, _, _ := net.SplitHostPort(*addr)
	cert, err := armemu.NewCertificate(host)
	if err != nil {
		return err
	}
	if err := cert.WriteFile(*certOut); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	em := armemu.New(cfg)
	defer em.Close()
	srv := armemu.ServeTLS(ln, em.Handler(), cert)
	fmt.Fprintf(stdout, "arm emulator at %s (certificate in %s)\n", srv.URL, *certOut)
	log.Info("arm emulator serving", "url", srv.URL, "cert", *certOut)
	<-ctx.Done()
	return srv.Close()
}

// entraVerifier adapts the Entra emulator's verifier to the ARM emulator.
func entraVerifier(v *entra.Verifier) armemu.TokenVerifier {
	return armemu.TokenVerifierFunc(func(ctx context.Context, token, _ string) error {
		_, err := v.Verify(ctx, token)
		return err
	})
}
