package auth

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"testing"
)

// TestDerive: subkeys are HKDF-SHA256 of the secret key with the purpose
// as label (checked against the standard library's HKDF), stable, and
// independent per purpose and per key.
func TestDerive(t *testing.T) {
	raw := bytes.Repeat([]byte{0x11}, KeySize)
	k, err := newKey(raw)
	if err != nil {
		t.Fatal(err)
	}
	a, err := k.Derive("ward audit chain v2")
	if err != nil {
		t.Fatal(err)
	}
	want, err := hkdf.Key(sha256.New, raw, nil, "ward audit chain v2", KeySize)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, want) {
		t.Fatalf("Derive = %x, want HKDF-SHA256 %x", a, want)
	}
	again, _ := k.Derive("ward audit chain v2")
	other, _ := k.Derive("something else")
	k2, _ := newKey(bytes.Repeat([]byte{0x22}, KeySize))
	otherKey, _ := k2.Derive("ward audit chain v2")
	switch {
	case !bytes.Equal(a, again):
		t.Fatal("not stable")
	case bytes.Equal(a, other), bytes.Equal(a, otherKey), bytes.Equal(a, raw):
		t.Fatal("subkeys are not independent")
	}
}
