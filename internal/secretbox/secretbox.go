// Package secretbox seals small secrets (the credentials a vendor hands to
// a customer) with AES-256-GCM before they are stored. Every sealed value
// names the key that sealed it, so that keys can be rotated later: a Keyring
// seals with its primary key and opens with any key it holds.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// Key is one AES-256-GCM key with its id, a fingerprint of the key itself
// (so the same key always has the same id, wherever it came from).
type Key struct {
	id   string
	aead cipher.AEAD
}

// NewKey returns a Key for 32 bytes of key material.
func NewKey(material []byte) (*Key, error) {
	if len(material) != KeySize {
		return nil, fmt.Errorf("secretbox: key must be %d bytes, got %d", KeySize, len(material))
	}
	block, err := aes.NewCipher(material)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: %w", err)
	}
	sum := sha256.Sum256(append([]byte("mercato-secretbox-key-id:"), material...))
	return &Key{id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

// ParseKey decodes a key written as standard base64 of 32 bytes (the
// format of MERCATO_SECRET_KEY; `openssl rand -base64 32` makes one).
func ParseKey(b64 string) (*Key, error) {
	material, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, errors.New("secretbox: key is not valid base64")
	}
	return NewKey(material)
}

// Generate returns fresh random key material, base64-encoded.
func Generate() string {
	b := make([]byte, KeySize)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.StdEncoding.EncodeToString(b)
}

// ID is the key's id, stored beside every value it seals.
func (k *Key) ID() string { return k.id }

// Keyring seals with its primary key and opens with any of its keys.
type Keyring struct {
	primary *Key
	keys    map[string]*Key
}

// NewKeyring returns a keyring sealing with primary and also opening values
// sealed by older.
func NewKeyring(primary *Key, older ...*Key) *Keyring {
	r := &Keyring{primary: primary, keys: map[string]*Key{primary.id: primary}}
	for _, k := range older {
		if k != nil {
			if _, ok := r.keys[k.id]; !ok {
				r.keys[k.id] = k
			}
		}
	}
	return r
}

// Primary returns the key new values are sealed with.
func (r *Keyring) Primary() *Key { return r.primary }

// Seal encrypts plaintext bound to context (values sealed for one place
// cannot be moved to another) and returns the id of the key used and the
// ciphertext (random nonce followed by the sealed text), base64-encoded.
func (r *Keyring) Seal(plaintext, context []byte) (keyID, ciphertext string) {
	k := r.primary
	nonce := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, plaintext, context)
	return k.id, base64.StdEncoding.EncodeToString(out)
}

// ErrUnknownKey reports a value sealed with a key the keyring lacks.
var ErrUnknownKey = errors.New("secretbox: value sealed with an unknown key")

// Open decrypts a value Seal returned, with the same context.
func (r *Keyring) Open(keyID, ciphertext string, context []byte) ([]byte, error) {
	k, ok := r.keys[keyID]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, keyID)
	}
	raw, err := base64.StdEncoding.DecodeString(ciphertext)
	if err != nil || len(raw) < k.aead.NonceSize() {
		return nil, errors.New("secretbox: malformed ciphertext")
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], context)
	if err != nil {
		return nil, errors.New("secretbox: ciphertext does not authenticate")
	}
	return plain, nil
}
