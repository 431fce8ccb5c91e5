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

// Key seals TOTP secrets at rest with AES-256-GCM and derives the keys
// other parts of ward need (Derive). It never prints.
type Key struct {
	aead cipher.AEAD
	raw  []byte
}

// String hides the key in logs and %v.
func (*Key) String() string { return "<redacted>" }

// GoString hides the key in %#v.
func (*Key) GoString() string { return "<redacted>" }

// newKey wraps 32 raw bytes.
func newKey(raw []byte) (*Key, error) {
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
	return &Key{aead: aead, raw: append([]byte(nil), raw...)}, nil
}

// Derive returns a 32-byte subkey for purpose (HKDF-SHA256 with purpose
// as the info label), so that each use of the secret key (the audit
// chain's MAC, say) gets an independent key: knowing one subkey reveals
// neither the secret key nor another subkey. The same key and purpose
// always give the same subkey. Subkeys are secrets: never store or log
// them.
func (k *Key) Derive(purpose string) ([]byte, error) {
	out := make([]byte, KeySize)
	if _, err := io.ReadFull(hkdf.New(sha256.New, k.raw, nil, []byte(purpose)), out); err != nil {
		return nil, fmt.Errorf("auth: derive %q: %w", purpose, err)
	}
	return out, nil
}

// seal encrypts plain, binding it to ad (so a sealed secret cannot be
// moved to another user), as nonce || ciphertext.
func (k *Key) seal(plain, ad []byte) []byte {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	rand.Read(nonce)
	return k.aead.Seal(nonce, nonce, plain, ad)
}

// open decrypts what seal made with the same ad.
func (k *Key) open(sealed, ad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, ErrKeyMismatch
	}
	plain, err := k.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrKeyMismatch
	}
	return plain, nil
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
