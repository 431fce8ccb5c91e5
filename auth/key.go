package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/crypto/hkdf"
)

// KeySize is the length of the secret key: AES-256.
const KeySize = 32

// Key errors. Each comes wrapped with what to do about it.
var (
	ErrKeyMissing  = errors.New("auth: secret key missing")
	ErrKeyMismatch = errors.New("auth: secret key does not match the one the database was sealed with")
	ErrKeyInvalid  = errors.New("auth: secret key is malformed")
)

// Key is ward's secret key ring: the current key, which seals, and during
// a rotation only (rotate.go) the previous one, which still opens what it
// sealed. It seals TOTP secrets at rest with AES-256-GCM and derives the
// keys other parts of ward need (Derive). Every value it seals carries
// the id of the key that sealed it (keyring.go). A rotation swaps the
// ring in place, so every holder of the *Key (the identity service, the
// control socket) sees the new key at once. It never prints.
type Key struct {
	ring atomic.Pointer[keyRing]
	// file is the key file the ring was read from, "" when the key came
	// from $WARD_SECRET_KEY (which ward cannot rewrite).
	file string
	// rotating serialises rotations within this process.
	rotating sync.Mutex
}

// keyRing is an immutable ring; prev is nil outside a rotation.
type keyRing struct {
	cur, prev *keyMaterial
}

// keyMaterial is one AES-256 key and its id.
type keyMaterial struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
	raw  []byte
}

// String hides the key in logs and %v.
func (*Key) String() string { return "<redacted>" }

// GoString hides the key in %#v.
func (*Key) GoString() string { return "<redacted>" }

// newMaterial wraps 32 raw bytes.
func newMaterial(raw []byte) (*keyMaterial, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("%w: %d bytes, want %d", ErrKeyInvalid, len(raw), KeySize)
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyInvalid, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeyInvalid, err)
	}
	m := &keyMaterial{aead: aead, raw: append([]byte(nil), raw...)}
	m.id = keyID(m.raw)
	return m, nil
}

// newKey wraps 32 raw bytes as a ring of one.
func newKey(raw []byte) (*Key, error) {
	m, err := newMaterial(raw)
	if err != nil {
		return nil, err
	}
	return ringKey(m, nil), nil
}

func ringKey(cur, prev *keyMaterial) *Key {
	k := &Key{}
	k.ring.Store(&keyRing{cur: cur, prev: prev})
	return k
}

// Derive returns a 32-byte subkey of the current key for purpose
// (HKDF-SHA256 with purpose as the info label), so that each use of the
// secret key (the audit chain's MAC, say) gets an independent key:
// knowing one subkey reveals neither the secret key nor another subkey.
// The same key and purpose always give the same subkey; a rotation
// changes it. Subkeys are secrets: never store or log them.
func (k *Key) Derive(purpose string) ([]byte, error) {
	return k.ring.Load().cur.derive(purpose)
}

// DeriveAll is Derive under every key of the ring, the current key's
// first: during a rotation, the previous key's subkey is second.
func (k *Key) DeriveAll(purpose string) ([][]byte, error) {
	r := k.ring.Load()
	out := make([][]byte, 0, 2)
	for _, m := range r.keys() {
		d, err := m.derive(purpose)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (m *keyMaterial) derive(purpose string) ([]byte, error) {
	out := make([]byte, KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, m.raw, nil, []byte(purpose)), out); err != nil {
		return nil, fmt.Errorf("auth: derive %q: %w", purpose, err)
	}
	return out, nil
}

func (r *keyRing) keys() []*keyMaterial {
	if r.prev == nil {
		return []*keyMaterial{r.cur}
	}
	return []*keyMaterial{r.cur, r.prev}
}

// ParseKey reads a key as written to a file or an environment variable:
// 32 raw bytes, or text holding 32 bytes in hex or base64 (standard or
// URL alphabet, padded or not).
func ParseKey(b []byte) (*Key, error) {
	if len(b) == KeySize {
		return newKey(b)
	}
	s := strings.TrimSpace(string(b))
	if len(s) == 2*KeySize {
		if raw, err := hex.DecodeString(s); err == nil {
			return newKey(raw)
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil && len(raw) == KeySize {
			return newKey(raw)
		}
	}
	return nil, fmt.Errorf("%w: want 32 raw bytes, or 32 bytes as hex or base64", ErrKeyInvalid)
}

// generateKeyFile writes 32 random bytes to path, readable by the owner
// only. It never overwrites a file.
func generateKeyFile(path string) (*Key, error) {
	raw := make([]byte, KeySize)
	rand.Read(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("auth: create key file: %w", err)
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return nil, fmt.Errorf("auth: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("auth: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("auth: write key file: %w", err)
	}
	return newKey(raw)
}
