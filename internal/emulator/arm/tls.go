package arm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mercato-market/mercato/internal/emulator/emutls"
)

// Certificate is a self-signed TLS certificate for loopback emulators.
type Certificate struct {
	TLS tls.Certificate
	// PEM is the certificate (without its key), for clients to trust.
	PEM []byte
}

// NewCertificate makes a self-signed certificate (internal/emulator/emutls)
// for localhost, 127.0.0.1, ::1 and the extra host names or addresses given.
func NewCertificate(hosts ...string) (*Certificate, error) {
	cert, pemBytes, err := emutls.SelfSigned(append([]string{"localhost", "127.0.0.1", "::1"}, hosts...)...)
	if err != nil {
		return nil, fmt.Errorf("arm emulator certificate: %w", err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("arm emulator certificate: %w", err)
		}
	}
	return &Certificate{TLS: cert, PEM: pemBytes}, nil
}

// Pool is a certificate pool that trusts only this certificate.
func (c *Certificate) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.TLS.Leaf)
	return p
}

// WriteFile writes the certificate (not its key) as PEM, for clients to
// trust (--arm-ca-file, SSL_CERT_FILE, curl --cacert).
func (c *Certificate) WriteFile(path string) error {
	if err := os.WriteFile(path, c.PEM, 0o644); err != nil {
		return fmt.Errorf("write certificate: %w", err)
	}
	return nil
}

// Server is a running emulator on HTTPS.
type Server struct {
	// URL is https://HOST:PORT.
	URL  string
	Cert *Certificate
	srv  *http.Server
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// ServeTLS serves h over HTTPS on ln with cert, in the background.
func ServeTLS(ln net.Listener, h http.Handler, cert *Certificate) *Server {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert.TLS}, MinVersion: tls.VersionTLS12}}
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener closed; nothing to report to
		}
	}()
	return &Server{URL: "https://" + ln.Addr().String(), Cert: cert, srv: srv}
}

// Client is an HTTP client that trusts only cert.
func Client(cert *Certificate) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: cert.Pool(), MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}
