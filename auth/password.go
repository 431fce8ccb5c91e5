package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Hasher hashes passwords. Encoded hashes carry their own parameters, so
// the parameters can rise later: Verify says when a stored hash was made
// with other parameters than the current ones, and the caller rehashes
// it at the next successful login.
type Hasher interface {
	Hash(password string) (string, error)
	Verify(password, encoded string) (ok, rehash bool, err error)
}

var _ Hasher = Argon2id{}

// Argon2id hashes with argon2id in the PHC string format
// ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
type Argon2id struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// DefaultHasher returns argon2id at OWASP's recommended minimum
// (Password Storage Cheat Sheet): 19 MiB, 2 iterations, 1 lane.
func DefaultHasher() Argon2id {
	return Argon2id{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// ErrHashFormat means a stored hash cannot be parsed.
var ErrHashFormat = errors.New("auth: unrecognised password hash")

// Hash returns the encoded argon2id hash of password with a fresh salt.
func (a Argon2id) Hash(password string) (string, error) {
	salt := make([]byte, a.SaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, a.Time, a.Memory, a.Threads, a.KeyLen)
	return a.encode(salt, key), nil
}

// Verify checks password against encoded in constant time.
func (a Argon2id) Verify(password, encoded string) (ok, rehash bool, err error) {
	p, salt, key, err := parseArgon2id(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	ok = subtle.ConstantTimeCompare(got, key) == 1
	rehash = p.Memory != a.Memory || p.Time != a.Time || p.Threads != a.Threads ||
		uint32(len(salt)) != a.SaltLen || uint32(len(key)) != a.KeyLen
	return ok, rehash, nil
}

func (a Argon2id) encode(salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, a.Memory, a.Time, a.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parseArgon2id parses a PHC argon2id string, bounding every parameter so
// that a tampered hash cannot make a login allocate gigabytes or spin.
func parseArgon2id(s string) (p Argon2id, salt, key []byte, err error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, ErrHashFormat
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrHashFormat, parts[2])
	}
	var seen [3]bool
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(v, 10, 32)
		if !ok || perr != nil {
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrHashFormat, kv)
		}
		switch {
		case k == "m" && !seen[0] && n >= 8 && n <= 4<<20: // 8 KiB .. 4 GiB
			p.Memory, seen[0] = uint32(n), true
		case k == "t" && !seen[1] && n >= 1 && n <= 64:
			p.Time, seen[1] = uint32(n), true
		case k == "p" && !seen[2] && n >= 1 && n <= 255:
			p.Threads, seen[2] = uint8(n), true
		default:
			return p, nil, nil, fmt.Errorf("%w: parameter %q", ErrHashFormat, kv)
		}
	}
	if seen != [3]bool{true, true, true} || p.Memory < 8*uint32(p.Threads) {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", ErrHashFormat, parts[3])
	}
	b64 := base64.RawStdEncoding.Strict()
	salt, err = b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrHashFormat)
	}
	key, err = b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("%w: hash", ErrHashFormat)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}
