package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestPasswordPolicy(t *testing.T) {
	// 256 characters that follow no pattern: hex of a hash chain.
	var long strings.Builder
	seed := []byte("ward")
	for long.Len() < 256 {
		h := sha256.Sum256(seed)
		seed = h[:]
		long.WriteString(hex.EncodeToString(h[:]))
	}
	max := long.String()[:256]
	tests := []struct {
		name, user, pw string
		want           error
	}{
		{"common password", "alice", "qwerty123456", ErrPasswordCommon},
		{"common password, other case", "alice", "QWERTY123456", ErrPasswordCommon},
		{"common password decorated", "alice", "Password1234", ErrPasswordCommon},
		{"common word with digits", "alice", "iloveyou1234", ErrPasswordCommon},
		{"repetition", "alice", "aaaaaaaaaaaaaaaa", ErrPasswordCommon},
		{"contains the username", "alice", "my-Alice-garden-97x", ErrPasswordHasUsername},
		{"11 characters", "alice", "kq8#mzp2vw!", ErrPasswordTooShort},
		{"12 characters", "alice", "kq8#mzp2vw!t", nil},
		{"12 characters of multi-byte text", "alice", "çåkë-ñøß-ŧrê", nil},
		{"passphrase", "alice", testPassword, nil},
		{"256 characters", "alice", max, nil},
		{"257 characters", "alice", max + "x", ErrPasswordTooLong},
		{"invalid UTF-8", "alice", "kq8#mzp2vw!t\xff", ErrPasswordInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := CheckPassword(tt.user, tt.pw); !errors.Is(err, tt.want) {
				t.Errorf("CheckPassword(%q) = %v, want %v", tt.pw, err, tt.want)
			}
		})
	}
}

func TestArgon2idHasher(t *testing.T) {
	h := DefaultHasher()
	enc, err := h.Hash(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoding %s", enc)
	}
	if ok, rehash, err := h.Verify(testPassword, enc); !ok || rehash || err != nil {
		t.Fatalf("verify: %v %v %v", ok, rehash, err)
	}
	if ok, _, _ := h.Verify(testPassword+"x", enc); ok {
		t.Fatal("wrong password accepted")
	}
	stronger := h
	stronger.Time = 3
	if ok, rehash, _ := stronger.Verify(testPassword, enc); !ok || !rehash {
		t.Fatal("a hash with older parameters should verify and ask for a rehash")
	}
	enc2, _ := h.Hash(testPassword)
	if enc2 == enc {
		t.Fatal("salt reused")
	}
}

func TestParseArgon2idRejects(t *testing.T) {
	for _, s := range []string{
		"",
		"$2a$10$abcdefghijklmnopqrstuv",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if _, _, _, err := parseArgon2id(s); !errors.Is(err, ErrHashFormat) {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// FuzzParseArgon2id: stored hashes come from a file an attacker may have
// edited; parsing must never panic and never accept parameters that would
// make a login expensive.
func FuzzParseArgon2id(f *testing.F) {
	enc, _ := Argon2id{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}.Hash("x")
	f.Add(enc)
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parseArgon2id(s)
		if err != nil {
			return
		}
		if p.Memory > 4<<20 || p.Time > 64 || p.Threads == 0 || len(salt) < 8 || len(key) < 16 {
			t.Fatalf("accepted %q: %+v", s, p)
		}
	})
}

// FuzzCheckPassword: the policy runs on whatever a form posts.
func FuzzCheckPassword(f *testing.F) {
	f.Add("alice", testPassword)
	f.Add("", "qwerty123456")
	f.Fuzz(func(t *testing.T, user, pw string) {
		if len(pw) > 4*MaxPasswordLength {
			return
		}
		_ = CheckPassword(user, pw)
	})
}
