package auth

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func rawKey(b byte) []byte { return bytes.Repeat([]byte{b}, KeySize) }

// legacySeal seals as ward did before keys carried ids: nonce ||
// ciphertext.
func legacySeal(k *Key, plain, ad []byte) []byte {
	m := k.ring.Load().cur
	nonce := make([]byte, m.aead.NonceSize())
	rand.Read(nonce)
	return m.aead.Seal(nonce, nonce, plain, ad)
}

func TestSealedValuesCarryKeyID(t *testing.T) {
	k, err := newKey(rawKey(1))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := newKey(rawKey(2))
	if len(k.ID()) != 2*keyIDSize || k.ID() == other.ID() {
		t.Fatalf("ids %q and %q", k.ID(), other.ID())
	}
	if strings.Contains(k.ID(), hex.EncodeToString(rawKey(1))[:16]) {
		t.Fatal("the id reveals the key")
	}
	ad := []byte("ad")
	sealed := k.Seal([]byte("secret"), ad)
	if SealedID(sealed) != k.ID() {
		t.Fatalf("sealed value carries id %q, want %q", SealedID(sealed), k.ID())
	}
	if got, err := k.Open(sealed, ad); err != nil || string(got) != "secret" {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := k.Open(sealed, []byte("other ad")); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("open with another ad: %v", err)
	}
	if _, err := other.Open(sealed, ad); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("open under another key: %v", err)
	}
	// A value sealed before ids existed is read as the current key's.
	legacy := legacySeal(k, []byte("old secret"), ad)
	if SealedID(legacy) != "" && SealedID(legacy) != k.ID() {
		t.Logf("legacy nonce starts with the magic by chance: %q", SealedID(legacy))
	}
	if got, err := k.Open(legacy, ad); err != nil || string(got) != "old secret" {
		t.Fatalf("open legacy: %q, %v", got, err)
	}
	// Re-sealing moves it to the id'd format, once.
	out, changed, err := k.Reseal(legacy, ad)
	if err != nil || !changed || SealedID(out) != k.ID() {
		t.Fatalf("reseal legacy: changed %v, id %q, %v", changed, SealedID(out), err)
	}
	again, changed, err := k.Reseal(out, ad)
	if err != nil || changed || !bytes.Equal(again, out) {
		t.Fatalf("reseal is not idempotent: changed %v, %v", changed, err)
	}
}

func TestRingOpensBothKeysAndSealsUnderCurrent(t *testing.T) {
	oldK, _ := newKey(rawKey(1))
	ad := []byte("ad")
	underOld := oldK.Seal([]byte("a"), ad)
	legacyOld := legacySeal(oldK, []byte("b"), ad)
	text := "# comment\n\n" + hex.EncodeToString(rawKey(2)) + "\n" + base64.StdEncoding.EncodeToString(rawKey(1)) + "\n"
	ring, err := ParseKeyRing([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	newK, _ := newKey(rawKey(2))
	if ring.ID() != newK.ID() || ring.PreviousID() != oldK.ID() {
		t.Fatalf("ring ids %q/%q", ring.ID(), ring.PreviousID())
	}
	for name, v := range map[string][]byte{"id'd": underOld, "legacy": legacyOld} {
		if _, err := ring.Open(v, ad); err != nil {
			t.Errorf("%s value under the previous key: %v", name, err)
		}
		out, changed, err := ring.Reseal(v, ad)
		if err != nil || !changed || SealedID(out) != newK.ID() {
			t.Errorf("%s: reseal changed %v to %q: %v", name, changed, SealedID(out), err)
		}
		if _, err := newK.Open(out, ad); err != nil {
			t.Errorf("%s: the new key alone does not open the re-sealed value: %v", name, err)
		}
	}
	if SealedID(ring.Seal([]byte("c"), ad)) != newK.ID() {
		t.Error("the ring does not seal under its current key")
	}
}

func TestParseKeyRing(t *testing.T) {
	h1, h2, h3 := hex.EncodeToString(rawKey(1)), hex.EncodeToString(rawKey(2)), hex.EncodeToString(rawKey(3))
	one, _ := newKey(rawKey(1))
	for _, c := range []struct {
		name, text string
		prev       bool
		err        string
	}{
		{name: "raw 32 bytes (the file ward creates)", text: string(rawKey(1))},
		{name: "hex with newline", text: h1 + "\n"},
		{name: "base64", text: base64.RawURLEncoding.EncodeToString(rawKey(1))},
		{name: "the file rotation writes", text: string(formatRing(one.ring.Load()))},
		{name: "two keys", text: h2 + "\n" + h1 + "\n", prev: true},
		{name: "three keys", text: h1 + "\n" + h2 + "\n" + h3, err: "at most 2"},
		{name: "same key twice", text: h1 + "\n" + h1, err: "previous key is the current key"},
		{name: "only comments", text: "# nothing\n", err: "no key"},
		{name: "bad line", text: h1 + "\nnot a key\n", err: "line 2"},
		{name: "huge", text: strings.Repeat("#", maxKeyFile+1), err: "at most"},
	} {
		t.Run(c.name, func(t *testing.T) {
			k, err := ParseKeyRing([]byte(c.text))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) || !errors.Is(err, ErrKeyInvalid) {
					t.Fatalf("err %v, want ErrKeyInvalid saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (k.PreviousID() != "") != c.prev {
				t.Fatalf("previous key %q", k.PreviousID())
			}
			if !c.prev && k.ID() != one.ID() {
				t.Fatalf("id %q, want %q", k.ID(), one.ID())
			}
		})
	}
}

func TestWriteKeyFileIsPrivateAndWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ward.key")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	k, _ := newKey(rawKey(4))
	if err := writeKeyFile(path, formatRing(k.ring.Load())); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, %v", fi.Mode(), err)
	}
	b, _ := os.ReadFile(path)
	back, err := ParseKeyRing(b)
	if err != nil || back.ID() != k.ID() {
		t.Fatalf("read back: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".ward.key.*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func FuzzParseKeyRing(f *testing.F) {
	f.Add([]byte(hex.EncodeToString(rawKey(1))))
	f.Add([]byte("# c\n" + hex.EncodeToString(rawKey(1)) + "\n" + hex.EncodeToString(rawKey(2))))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKeyRing(b)
		if err != nil {
			return
		}
		sealed := k.Seal([]byte("x"), nil)
		if got, err := k.Open(sealed, nil); err != nil || string(got) != "x" {
			t.Fatalf("a parsed ring does not open what it sealed: %v", err)
		}
	})
}
