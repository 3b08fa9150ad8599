// Package emutls makes TLS certificates for the emulators: the Azure SDK
// refuses bearer tokens over plain HTTP and azidentity refuses a non-https
// authority, so an emulator that such a client talks to serves TLS with a
// certificate the client is told to trust.
//
// A CA signs one certificate per emulator, each with its own subject
// ("Mercato ARM emulator", "Mercato Entra ID emulator"), and clients trust
// the CA alone: OpenSSL-based clients (Node.js through NODE_EXTRA_CA_CERTS,
// curl --cacert) look a trust anchor up by its subject, so two self-signed
// certificates with one subject cannot both be trusted, while one CA covers
// every emulator it signed. Each CA's own subject carries its serial, so
// that two CAs (two processes) are told apart as well.
package emutls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
)

// DefaultHosts are the names and addresses every emulator certificate
// covers.
var DefaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// CA is a certificate authority for the emulators, valid for a year.
type CA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// PEM is the CA certificate, for clients to trust.
	PEM []byte
}

func serial() (*big.Int, error) {
	s, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("emutls: serial: %w", err)
	}
	return s, nil
}

// NewCA makes a fresh certificate authority.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("emutls: key: %w", err)
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: fmt.Sprintf("Mercato emulators CA %x", sn), Organization: []string{"Mercato emulator"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(1, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("emutls: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("emutls: CA certificate: %w", err)
	}
	return &CA{cert: cert, key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Issue returns a server certificate signed by the CA with subject
// commonName, for hosts (names or IP addresses; DefaultHosts when none).
// Its chain includes the CA certificate.
func (ca *CA) Issue(commonName string, hosts ...string) (tls.Certificate, error) {
	if len(hosts) == 0 {
		hosts = DefaultHosts
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("emutls: key: %w", err)
	}
	sn, err := serial()
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"Mercato emulator"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              ca.cert.NotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("emutls: certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("emutls: certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// Pool is a certificate pool that trusts only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// WriteFile writes the CA certificate (not its key) as PEM, for clients to
// trust (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, curl --cacert).
func (ca *CA) WriteFile(path string) error {
	if err := os.WriteFile(path, ca.PEM, 0o644); err != nil {
		return fmt.Errorf("emutls: write CA certificate: %w", err)
	}
	return nil
}

// SelfSigned returns a certificate for hosts (default DefaultHosts) with
// subject commonName, signed by a fresh CA, and the CA's PEM encoding for
// the client's trust pool: for an emulator that runs alone.
func SelfSigned(commonName string, hosts ...string) (tls.Certificate, []byte, error) {
	ca, err := NewCA()
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	cert, err := ca.Issue(commonName, hosts...)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return cert, ca.PEM, nil
}

// ClientTrusting returns a TLS client configuration that trusts certPEM.
func ClientTrusting(certPEM []byte) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		return nil, fmt.Errorf("emutls: no certificate in PEM")
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
