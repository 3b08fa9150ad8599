package emutls_test

import (
	"crypto/x509"
	"encoding/pem"
	"testing"

	"github.com/mercato-market/mercato/internal/emulator/emutls"
)

// One CA signs both emulators' certificates, each with its own subject, so
// a client trusting the CA alone (NODE_EXTRA_CA_CERTS) reaches both; two
// CAs have distinct subjects too.
func TestCASignsDistinctSubjects(t *testing.T) {
	ca, err := emutls.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	armCert, err := ca.Issue("Mercato ARM emulator")
	if err != nil {
		t.Fatal(err)
	}
	entraCert, err := ca.Issue("Mercato Entra ID emulator", "entra.local", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if armCert.Leaf.Subject.String() == entraCert.Leaf.Subject.String() {
		t.Fatalf("both certificates have the subject %q", armCert.Leaf.Subject)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca.PEM) {
		t.Fatal("no certificate in the CA's PEM")
	}
	for _, c := range []struct {
		leaf *x509.Certificate
		host string
	}{{armCert.Leaf, "localhost"}, {armCert.Leaf, "127.0.0.1"}, {entraCert.Leaf, "entra.local"}} {
		if _, err := c.leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: c.host}); err != nil {
			t.Errorf("%s for %s: %v", c.leaf.Subject.CommonName, c.host, err)
		}
		if c.leaf.IsCA {
			t.Errorf("%s should not be a CA", c.leaf.Subject.CommonName)
		}
	}
	other, err := emutls.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	otherPool := x509.NewCertPool()
	otherPool.AppendCertsFromPEM(other.PEM)
	if _, err := armCert.Leaf.Verify(x509.VerifyOptions{Roots: otherPool, DNSName: "localhost"}); err == nil {
		t.Fatal("another CA must not verify the certificate")
	}
	caCert, _ := x509.ParseCertificate(mustDecode(t, ca.PEM))
	otherCert, _ := x509.ParseCertificate(mustDecode(t, other.PEM))
	if caCert.Subject.String() == otherCert.Subject.String() {
		t.Fatalf("two CAs share the subject %q", caCert.Subject)
	}
}

func mustDecode(t *testing.T, pemBytes []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		t.Fatal("no PEM block")
	}
	return block.Bytes
}
