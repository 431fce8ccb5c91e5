package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// tokenBytes is the entropy of session, setup and reset tokens (256 bits).
const tokenBytes = 32

// newToken returns an opaque random token for a cookie or a link.
func newToken() string {
	b := make([]byte, tokenBytes)
	rand.Read(b) // never returns an error; it crashes the program instead
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenID is what is stored for a token: its SHA-256. Lookups by this
// hash do not reveal the token through timing, since an attacker cannot
// choose hash prefixes.
func tokenID(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// validToken reports whether s looks like a token newToken made, so that
// junk never reaches the database.
func validToken(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// SessionID is the public identifier of a session: the hex of its
// token's hash. It names a session on the sessions page without being
// usable as a credential.
func sessionID(id []byte) string { return hex.EncodeToString(id) }
