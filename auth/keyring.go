package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// keyIDSize is the length of a key id: enough to tell the two keys of a
// ring apart (and a stray key from them) with certainty, short enough to
// read in a log line or an audit record.
const keyIDSize = 8

// keyIDLabel is MACed under a key to make its id. The id identifies the
// key without revealing it.
const keyIDLabel = "ward key id"

// sealedMagic starts every value sealed since keys carry ids: magic, the
// 8-byte id of the key that sealed it, then nonce || ciphertext. Values
// sealed before (nonce || ciphertext, no id) are read as the current
// key's, or the previous one's during a rotation.
var sealedMagic = []byte("wk1")

// maxKeyFile bounds what a key file may hold: two keys in hex and the
// comment ward writes, with room for a hand-written comment or two.
const maxKeyFile = 4 << 10

func keyID(raw []byte) (id [keyIDSize]byte) {
	m := hmac.New(sha256.New, raw)
	m.Write([]byte(keyIDLabel))
	copy(id[:], m.Sum(nil))
	return id
}

// ID is the current key's id, 16 hex digits: safe to log and to store.
func (k *Key) ID() string { return hex.EncodeToString(k.ring.Load().cur.id[:]) }

// PreviousID is the previous key's id while a rotation is in progress,
// "" otherwise.
func (k *Key) PreviousID() string {
	if p := k.ring.Load().prev; p != nil {
		return hex.EncodeToString(p.id[:])
	}
	return ""
}

// File is the key file the ring was read from, "" when the key came from
// $WARD_SECRET_KEY.
func (k *Key) File() string { return k.file }

// Seal encrypts plain under the current key, binding it to ad (so that a
// sealed secret cannot be moved to another user or purpose), as magic ||
// key id || nonce || ciphertext.
func (k *Key) Seal(plain, ad []byte) []byte { return k.seal(plain, ad) }

// Open decrypts what Seal made with the same ad, under whichever key of
// the ring sealed it. A value sealed before keys carried ids is tried
// under the current key, then the previous one.
func (k *Key) Open(sealed, ad []byte) ([]byte, error) { return k.open(sealed, ad) }

func (k *Key) seal(plain, ad []byte) []byte {
	m := k.ring.Load().cur
	n := m.aead.NonceSize()
	out := make([]byte, 0, len(sealedMagic)+keyIDSize+n+len(plain)+m.aead.Overhead())
	out = append(append(out, sealedMagic...), m.id[:]...)
	nonce := make([]byte, n)
	rand.Read(nonce)
	out = append(out, nonce...)
	return m.aead.Seal(out, nonce, plain, ad)
}

func (k *Key) open(sealed, ad []byte) ([]byte, error) {
	r := k.ring.Load()
	if id, body, ok := splitSealed(sealed); ok {
		for _, m := range r.keys() {
			if bytes.Equal(m.id[:], id) {
				if plain, err := m.openRaw(body, ad); err == nil {
					return plain, nil
				}
			}
		}
	}
	// No id (sealed before keys carried one), an id of a key the ring
	// does not hold, or a legacy value whose random nonce happens to
	// start with the magic: try it as a legacy value.
	for _, m := range r.keys() {
		if plain, err := m.openRaw(sealed, ad); err == nil {
			return plain, nil
		}
	}
	return nil, ErrKeyMismatch
}

func (m *keyMaterial) openRaw(sealed, ad []byte) ([]byte, error) {
	n := m.aead.NonceSize()
	if len(sealed) < n+m.aead.Overhead() {
		return nil, ErrKeyMismatch
	}
	return m.aead.Open(nil, sealed[:n], sealed[n:], ad)
}

func splitSealed(sealed []byte) (id, body []byte, ok bool) {
	if len(sealed) < len(sealedMagic)+keyIDSize || !bytes.HasPrefix(sealed, sealedMagic) {
		return nil, nil, false
	}
	rest := sealed[len(sealedMagic):]
	return rest[:keyIDSize], rest[keyIDSize:], true
}

// SealedID is the id of the key that sealed a value, "" for one sealed
// before keys carried ids.
func SealedID(sealed []byte) string {
	if id, _, ok := splitSealed(sealed); ok {
		return hex.EncodeToString(id)
	}
	return ""
}

// Reseal returns sealed re-sealed under the current key, and whether that
// changed it: a value already carrying the current key's id is returned
// as it is (so re-sealing is idempotent). Empty stays empty.
func (k *Key) Reseal(sealed, ad []byte) ([]byte, bool, error) {
	if len(sealed) == 0 {
		return sealed, false, nil
	}
	cur := k.ring.Load().cur
	if id, body, ok := splitSealed(sealed); ok && bytes.Equal(id, cur.id[:]) {
		if _, err := cur.openRaw(body, ad); err == nil {
			return sealed, false, nil
		}
	}
	plain, err := k.open(sealed, ad)
	if err != nil {
		return nil, false, err
	}
	return k.seal(plain, ad), true, nil
}

// ParseKeyRing reads a key file: 32 raw bytes (the file ward creates on
// first start), or text with one key per line in hex or base64, where
// blank lines and lines starting with # are ignored. The first key is the
// current one; a second line, present only while `ward key rotate` runs,
// is the previous key. A single-line file is today's single key.
func ParseKeyRing(b []byte) (*Key, error) {
	if len(b) == KeySize {
		return ParseKey(b)
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("%w: %d bytes, at most %d", ErrKeyInvalid, len(b), maxKeyFile)
	}
	var ms []*keyMaterial
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := ParseKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		ms = append(ms, k.ring.Load().cur)
	}
	switch {
	case len(ms) == 0:
		return nil, fmt.Errorf("%w: no key", ErrKeyInvalid)
	case len(ms) > 2:
		return nil, fmt.Errorf("%w: %d keys, at most 2 (the current key, then the previous one during a rotation)", ErrKeyInvalid, len(ms))
	case len(ms) == 2 && ms[0].id == ms[1].id:
		return nil, fmt.Errorf("%w: the previous key is the current key", ErrKeyInvalid)
	case len(ms) == 2:
		return ringKey(ms[0], ms[1]), nil
	}
	return ringKey(ms[0], nil), nil
}

// keyFileHeader opens every key file ward writes.
const keyFileHeader = `# ward secret key ring (hex, one key per line). The first key is the
# current one. A second line is the previous key, kept only while
# ` + "`ward key rotate`" + ` runs: do not edit this file during a rotation.
`

// formatRing is the text of a key file holding r.
func formatRing(r *keyRing) []byte {
	var b bytes.Buffer
	b.WriteString(keyFileHeader)
	for _, m := range r.keys() {
		b.WriteString(hex.EncodeToString(m.raw))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// writeKeyFile replaces path with data atomically: a temporary file in
// the same directory, 0600, synced, renamed over path, and the directory
// synced, so that a crash leaves the old file or the new one, whole.
func writeKeyFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".ward.key.*.tmp")
	if err != nil {
		return fmt.Errorf("auth: write key file: %w", err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("auth: write key file: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("auth: write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("auth: write key file: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("auth: write key file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("auth: replace key file: %w", err)
	}
	ok = true
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("auth: sync key directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("auth: sync key directory: %w", err)
	}
	return nil
}
