package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRestoreSelfAfterKeyRotation: after `ward key rotate`, a snapshot
// restores with a verifying audit chain (the epochs from before the
// rotation included), and --from takes the snapshot file itself, under
// any name.
func TestRestoreSelfAfterKeyRotation(t *testing.T) {
	cfg, _ := wardConfig(t)
	if code, _, errOut := runUser(t, "correct horse battery staple\n", "add", "root", "--role", "admin", "--config", cfg); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	if code, out, errOut := runWard(t, "key", "rotate", "--config", cfg); code != 0 {
		t.Fatalf("key rotate: %d %s %s", code, out, errOut)
	}
	snaps := filepath.Join(t.TempDir(), "snaps")
	if code, out, errOut := runWard(t, "backup", "self", "--config", cfg, "--to", snaps); code != 0 {
		t.Fatalf("backup self: %d %s %s", code, out, errOut)
	}
	names, err := os.ReadDir(snaps)
	if err != nil || len(names) != 1 {
		t.Fatalf("snapshots: %v %v", names, err)
	}
	// A copy under another name, as an operator keeps one.
	b, err := os.ReadFile(filepath.Join(snaps, names[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(t.TempDir(), "ward-before-upgrade.wardbak")
	if err := os.WriteFile(copied, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{snaps, filepath.Join(snaps, names[0].Name()), copied} {
		target := filepath.Join(t.TempDir(), "restored")
		code, out, errOut := runWard(t, "restore", "self", "--config", cfg, "--from", from, "--data", target)
		if code != 0 || !strings.Contains(out, "audit chain: ") {
			t.Fatalf("restore self --from %s after a key rotation: %d %s %s", from, code, out, errOut)
		}
		restoredCfg := filepath.Join(t.TempDir(), "ward.yaml")
		if err := os.WriteFile(restoredCfg, []byte("storage:\n  path: "+target+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out, errOut := runWard(t, "audit", "verify", "--config", restoredCfg); code != 0 || !strings.Contains(out, "OK") {
			t.Fatalf("audit verify of the restored ward: %d %s %s", code, out, errOut)
		}
	}
}

// TestBackupSelfTestFailureOutput: a failed restore test prints each
// check on its line and the error on a line of its own, not run into
// the last check.
func TestBackupSelfTestFailureOutput(t *testing.T) {
	dir := t.TempDir()
	snaps := filepath.Join(dir, "snaps")
	cfg := filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(cfg, []byte("storage:\n  path: "+filepath.Join(dir, "data")+"\nbackups:\n  jobs:\n    - {name: self, kind: self, destination: "+snaps+"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runUser(t, "correct horse battery staple\n", "add", "root", "--role", "admin", "--config", cfg); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	if code, out, errOut := runWard(t, "backup", "self", "--config", cfg); code != 0 {
		t.Fatalf("backup self: %d %s %s", code, out, errOut)
	}
	names, err := os.ReadDir(snaps)
	if err != nil || len(names) != 1 {
		t.Fatalf("snapshots: %v %v", names, err)
	}
	path := filepath.Join(snaps, names[0].Name())
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runWard(t, "backup", "self", "--test", "--config", cfg)
	if code != 1 {
		t.Fatalf("restore test of a modified snapshot: exit %d, want 1: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	var fail, last string
	for _, l := range lines {
		if strings.HasPrefix(l, "  FAIL ") {
			fail = l
		}
	}
	last = lines[len(lines)-1]
	if fail == "" || fail == last || !strings.HasPrefix(last, "  error: ") {
		t.Fatalf("want the failed check on its line and the error on the last line of its own:\n%s", errOut)
	}
}
