package evidencepack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"
)

const (
	manifestFormat  = "ward-evidence-pack"
	manifestVersion = 1
	// sigPrefix starts manifest.sig, naming the algorithm.
	sigPrefix = "hmac-sha256 "
)

// Manifest lists every file of a pack but itself and its signature.
type Manifest struct {
	Format      string    `json:"format"`
	Version     int       `json:"version"`
	Generated   time.Time `json:"generated"`
	GeneratedBy string    `json:"generated_by,omitempty"`
	// From and To bound the evidence's window, [From, To).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// KeyID names the signing key (KeyID), so that a pack checked under
	// another key (after a key rotation, or on another ward) says so
	// rather than only "bad signature".
	KeyID string         `json:"key_id"`
	Files []ManifestFile `json:"files"`
}

// ManifestFile is one listed file.
type ManifestFile struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

func (m Manifest) encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// KeyID is a short public name of a signing key: it reveals nothing of
// the key (an HMAC of a fixed text under it).
func KeyID(key []byte) string {
	return hex.EncodeToString(mac(key, []byte("ward evidence pack key id"))[:8])
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

// signature is manifest.sig's content for manifest bytes m.
func signature(key, m []byte) string {
	return sigPrefix + hex.EncodeToString(mac(key, m)) + "\n"
}

// signatureValid checks sig (manifest.sig's content) over m, in
// constant time.
func signatureValid(key, m, sig []byte) bool {
	text, ok := strings.CutPrefix(strings.TrimSpace(string(sig)), sigPrefix)
	if !ok {
		return false
	}
	got, err := hex.DecodeString(text)
	return err == nil && hmac.Equal(got, mac(key, m))
}
