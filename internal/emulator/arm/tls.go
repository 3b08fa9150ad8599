package arm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mercato-market/mercato/internal/emulator/emutls"
)

// CertificateSubject is the common name of the ARM emulator's certificate.
const CertificateSubject = "Mercato ARM emulator"

// Certificate is a TLS certificate for loopback emulators, signed by a CA
// (internal/emulator/emutls) that clients trust.
type Certificate struct {
	TLS tls.Certificate
	// PEM is the CA certificate (without its key), for clients to trust:
	// it trusts every certificate Issue makes as well.
	PEM []byte
	ca  *emutls.CA
}

// NewCertificate makes a CA and the ARM emulator's certificate, signed by
// it, for localhost, 127.0.0.1, ::1 and the extra host names or addresses
// given.
func NewCertificate(hosts ...string) (*Certificate, error) {
	ca, err := emutls.NewCA()
	if err != nil {
		return nil, fmt.Errorf("arm emulator certificate: %w", err)
	}
	return issue(ca, CertificateSubject, hosts)
}

// Issue makes a certificate with another subject (another emulator's:
// "Mercato Entra ID emulator") signed by the same CA, so that a client
// trusting PEM trusts both.
func (c *Certificate) Issue(commonName string, hosts ...string) (*Certificate, error) {
	return issue(c.ca, commonName, hosts)
}

func issue(ca *emutls.CA, commonName string, hosts []string) (*Certificate, error) {
	cert, err := ca.Issue(commonName, append(append([]string{}, emutls.DefaultHosts...), hosts...)...)
	if err != nil {
		return nil, fmt.Errorf("emulator certificate: %w", err)
	}
	return &Certificate{TLS: cert, PEM: ca.PEM, ca: ca}, nil
}

// Pool is a certificate pool that trusts only the CA.
func (c *Certificate) Pool() *x509.CertPool { return c.ca.Pool() }

// WriteFile writes the CA certificate (not its key) as PEM, for clients to
// trust (--arm-ca-file, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, curl --cacert).
func (c *Certificate) WriteFile(path string) error { return c.ca.WriteFile(path) }

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

// Client is an HTTP client that trusts only cert's CA.
func Client(cert *Certificate) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: cert.Pool(), MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: 60 * time.Second}
}
