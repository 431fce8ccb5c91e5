package main

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// TestKeyCommands rotates the key of a stopped ward from the command
// line: status names the key, rotate replaces it in the key file, and a
// key from the environment is refused with the way out.
func TestKeyCommands(t *testing.T) {
	cfg, db := wardConfig(t)
	keyFile := filepath.Join(filepath.Dir(db), auth.KeyFileName)
	code, out, errOut := runWard(t, "key", "status", "--config", cfg)
	if code != 0 || !strings.Contains(out, "secret key ") || !strings.Contains(out, keyFile) {
		t.Fatalf("status: %d %q %q", code, out, errOut)
	}
	before, _ := os.ReadFile(keyFile)
	code, out, errOut = runWard(t, "key", "rotate", "--config", cfg)
	if code != 0 || !strings.Contains(out, "rotated the secret key") {
		t.Fatalf("rotate: %d %q %q", code, out, errOut)
	}
	after, _ := os.ReadFile(keyFile)
	ring, err := auth.ParseKeyRing(after)
	if err != nil || ring.PreviousID() != "" || strings.Contains(string(after), hex.EncodeToString(before)) {
		t.Fatalf("key file after rotate: %v", err)
	}
	if code, out, _ := runWard(t, "audit", "verify", "--config", cfg); code != 0 || !strings.Contains(out, "audit chain OK") {
		t.Fatalf("audit verify after rotate: %d %q", code, out)
	}
	if code, _, errOut := runWard(t, "key", "frobnicate"); code != 2 || !strings.Contains(errOut, "ward key rotate") {
		t.Fatalf("usage: %d %q", code, errOut)
	}

	t.Setenv(auth.EnvSecretKey, string(after[len(after)-65:len(after)-1])) // the hex line of the current key
	code, _, errOut = runWard(t, "key", "rotate", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, auth.EnvSecretKeyFile) {
		t.Fatalf("rotate with a key from the environment: %d %q", code, errOut)
	}
}
