package entra

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"sync"
	"time"
)

// signingKey is the emulator's RSA key with its self-signed certificate (as
// Microsoft publishes: kid = x5t = base64url SHA-1 of the certificate).
type signingKey struct {
	priv *rsa.PrivateKey
	cert []byte // DER
	kid  string
}

func newSigningKey() (*signingKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("entra: signing key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "accounts.accesscontrol.windows.net"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(5, 0, 0),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, fmt.Errorf("entra: signing certificate: %w", err)
	}
	sum := sha1.Sum(der)
	return &signingKey{priv: priv, cert: der, kid: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

// JWK is one key of a JSON Web Key Set as Entra publishes it.
type JWK struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use,omitempty"`
	Kid    string   `json:"kid"`
	X5t    string   `json:"x5t,omitempty"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	X5c    []string `json:"x5c,omitempty"`
	Issuer string   `json:"issuer,omitempty"`
}

// JWKS is a JSON Web Key Set.
type JWKS struct {
	Keys []JWK `json:"keys"`
}

func (k *signingKey) jwk(issuer string) JWK {
	pub := &k.priv.PublicKey
	return JWK{
		Kty: "RSA", Use: "sig", Kid: k.kid, X5t: k.kid,
		N:      base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		E:      base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		X5c:    []string{base64.StdEncoding.EncodeToString(k.cert)},
		Issuer: issuer,
	}
}

// KeySet finds the public key a token was signed with, by key id.
type KeySet interface {
	Key(ctx context.Context, kid string) (crypto.PublicKey, error)
}

// ErrUnknownKey is returned by a [KeySet] that has no key with the id.
var ErrUnknownKey = errors.New("entra: unknown signing key")

// staticKeys is an in-process key set.
type staticKeys map[string]crypto.PublicKey

func (s staticKeys) Key(_ context.Context, kid string) (crypto.PublicKey, error) {
	if k, ok := s[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

// RemoteKeys is a [KeySet] read from a JWKS URL (the emulator's
// /common/discovery/v2.0/keys, or Microsoft's), cached, and fetched again
// when a token names a key it does not know (at most once every
// MinRefresh).
type RemoteKeys struct {
	URL        string
	Client     *http.Client
	MinRefresh time.Duration

	mu      sync.Mutex
	keys    map[string]crypto.PublicKey
	fetched time.Time
}

// NewRemoteKeys returns a key set read from jwksURL with client (nil:
// http.DefaultClient).
func NewRemoteKeys(jwksURL string, client *http.Client) *RemoteKeys {
	return &RemoteKeys{URL: jwksURL, Client: client, MinRefresh: 5 * time.Second}
}

// Key returns the key with id kid, fetching the set when needed.
func (r *RemoteKeys) Key(ctx context.Context, kid string) (crypto.PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	if r.keys != nil && time.Since(r.fetched) < r.MinRefresh {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
	}
	keys, err := fetchJWKS(ctx, r.Client, r.URL)
	if err != nil {
		return nil, err
	}
	r.keys, r.fetched = keys, time.Now()
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

func fetchJWKS(ctx context.Context, client *http.Client, url string) (map[string]crypto.PublicKey, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("entra: jwks: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("entra: jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("entra: jwks %s: status %d", url, resp.StatusCode)
	}
	var set JWKS
	if err := json.NewDecoder(http.MaxBytesReader(nil, resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("entra: jwks: %w", err)
	}
	keys := make(map[string]crypto.PublicKey, len(set.Keys))
	for _, k := range set.Keys {
		if k.Kty != "RSA" {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) > 4 {
			continue
		}
		keys[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return keys, nil
}
