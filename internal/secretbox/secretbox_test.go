package secretbox_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/mercato-market/mercato/internal/secretbox"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k1, err := secretbox.ParseKey(secretbox.Generate())
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := secretbox.ParseKey(secretbox.Generate())
	ring := secretbox.NewKeyring(k1)
	id, ct := ring.Seal([]byte("jei9je9y"), []byte("subscription/1/credential/password"))
	if id != k1.ID() || strings.Contains(ct, "jei9je9y") {
		t.Fatalf("sealed as %q %q", id, ct)
	}
	_, ct2 := ring.Seal([]byte("jei9je9y"), []byte("subscription/1/credential/password"))
	if ct == ct2 {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	got, err := ring.Open(id, ct, []byte("subscription/1/credential/password"))
	if err != nil || string(got) != "jei9je9y" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := ring.Open(id, ct, []byte("subscription/2/credential/password")); err == nil {
		t.Fatal("opened a value in another context")
	}
	raw, _ := base64.StdEncoding.DecodeString(ct)
	raw[len(raw)-1] ^= 1
	if _, err := ring.Open(id, base64.StdEncoding.EncodeToString(raw), []byte("subscription/1/credential/password")); err == nil {
		t.Fatal("opened an altered value")
	}
	if _, err := ring.Open(k2.ID(), ct, nil); !errors.Is(err, secretbox.ErrUnknownKey) {
		t.Fatalf("unknown key: %v", err)
	}
	// Rotation: a ring with a new primary still opens the old values.
	rotated := secretbox.NewKeyring(k2, k1)
	if got, err := rotated.Open(id, ct, []byte("subscription/1/credential/password")); err != nil || string(got) != "jei9je9y" {
		t.Fatalf("open after rotation = %q, %v", got, err)
	}
	if id2, _ := rotated.Seal([]byte("x"), nil); id2 != k2.ID() {
		t.Fatalf("rotated ring seals with %q", id2)
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(make([]byte, 16))} {
		if _, err := secretbox.ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
	a, _ := secretbox.ParseKey(base64.StdEncoding.EncodeToString(make([]byte, 32)))
	b, _ := secretbox.NewKey(make([]byte, 32))
	if a.ID() != b.ID() || len(a.ID()) != 16 {
		t.Fatalf("key ids %q %q", a.ID(), b.ID())
	}
}
