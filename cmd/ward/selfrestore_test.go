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
