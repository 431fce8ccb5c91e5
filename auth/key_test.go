package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/audit"
)

func TestKeyFileCreatedAndReused(t *testing.T) {
	e := newEnv(t, nil)
	path := filepath.Join(e.dir, KeyFileName)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != KeySize {
		t.Fatalf("key file %v, %v", fi, err)
	}
	if _, err := OpenKey(e.st, KeySource{DataDir: e.dir}, e.clk.Now, quiet); err != nil {
		t.Fatalf("reopening with the same key: %v", err)
	}
	if recs := e.records(t, audit.Query{Action: audit.ActionKeyInit}); len(recs) != 1 {
		t.Fatalf("key init audited %d times", len(recs))
	}
	// The key is nowhere in the database file.
	key, _ := os.ReadFile(path)
	e.st.Close()
	db, _ := os.ReadFile(filepath.Join(e.dir, "ward.db"))
	if bytes.Contains(db, key) {
		t.Fatal("the key is stored in bbolt")
	}
}

func TestKeyMissingOrWrong(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "root", RoleAdmin)
	e.enrol(t, "root")
	path := filepath.Join(e.dir, KeyFileName)
	original, _ := os.ReadFile(path)
	other := bytes.Repeat([]byte{7}, KeySize)

	if err := os.WriteFile(path, other, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKey(e.st, KeySource{DataDir: e.dir}, e.clk.Now, quiet); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("wrong key file: %v", err)
	}
	if _, err := OpenKey(e.st, KeySource{Value: hex.EncodeToString(other)}, e.clk.Now, quiet); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("wrong key in the environment: %v", err)
	}
	os.Remove(path)
	_, err := OpenKey(e.st, KeySource{DataDir: e.dir}, e.clk.Now, quiet)
	if !errors.Is(err, ErrKeyMissing) || !strings.Contains(err.Error(), "ward user reset-2fa") {
		t.Fatalf("missing key file: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("a new key file was created over sealed secrets")
	}
	if _, err := OpenKey(e.st, KeySource{File: filepath.Join(e.dir, "nope.key")}, e.clk.Now, quiet); !errors.Is(err, ErrKeyMissing) {
		t.Fatalf("missing configured key file: %v", err)
	}
	if _, err := OpenKey(e.st, KeySource{Value: "too short"}, e.clk.Now, quiet); !errors.Is(err, ErrKeyInvalid) {
		t.Fatalf("malformed key: %v", err)
	}
	// The original key, from a file named elsewhere, base64 text.
	alt := filepath.Join(t.TempDir(), "k")
	os.WriteFile(alt, []byte(base64.StdEncoding.EncodeToString(original)+"\n"), 0o600)
	if _, err := OpenKey(e.st, KeySource{File: alt, DataDir: e.dir}, e.clk.Now, quiet); err != nil {
		t.Fatalf("original key as base64: %v", err)
	}

	// The way out: reset everyone's 2FA, and a new key takes over.
	if err := e.svc.ResetTwoFactor(e.ctx, Local("cli:test"), "root"); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenKey(e.st, KeySource{DataDir: e.dir}, e.clk.Now, quiet); err != nil {
		t.Fatalf("after resetting 2FA: %v", err)
	}
	if recs := e.records(t, audit.Query{Action: audit.ActionKeyReplace}); len(recs) != 1 {
		t.Fatalf("key replacement audited %d times", len(recs))
	}
}

func TestSecondFactorWithWrongKeyIsAnError(t *testing.T) {
	e := newEnv(t, nil)
	e.addUser(t, "root", RoleAdmin)
	e.enrol(t, "root")
	wrong, _ := newKey(bytes.Repeat([]byte{9}, KeySize))
	e.svc.key = wrong
	p := e.login(t, "root", "192.0.2.1")
	if _, err := e.svc.SecondFactor(e.ctx, p.Token, "123456", "", ""); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("%v", err)
	}
	e.svc.key = nil
	if _, err := e.svc.SecondFactor(e.ctx, p.Token, "123456", "", ""); !errors.Is(err, ErrNoKey) {
		t.Fatalf("%v", err)
	}
}

func TestKeyNeverPrints(t *testing.T) {
	k, _ := newKey(bytes.Repeat([]byte{1}, KeySize))
	for _, s := range []string{fmt.Sprint(k), fmt.Sprintf("%v %+v %#v %s", k, k, k, k)} {
		if strings.Contains(s, "\x01") || strings.Contains(s, "aead") {
			t.Fatalf("key printed: %q", s)
		}
	}
}

// FuzzParseKey: keys come from environment variables and files.
func FuzzParseKey(f *testing.F) {
	f.Add([]byte(strings.Repeat("ab", KeySize)))
	f.Add(bytes.Repeat([]byte{0}, KeySize))
	f.Add([]byte(base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{3}, KeySize))))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParseKey(b)
		if err == nil && k == nil {
			t.Fatal("nil key without an error")
		}
	})
}
