package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupSelfOffline: with no ward running, `ward backup self` opens
// the databases itself; `ward restore self` puts the snapshot into an
// empty directory, refuses one that is not empty, and the restored
// database holds the user and the restore's audit record.
func TestBackupSelfOffline(t *testing.T) {
	cfg, _ := wardConfig(t)
	if code, _, errOut := runUser(t, "correct horse battery staple\n", "add", "root", "--role", "admin", "--config", cfg); code != 0 {
		t.Fatalf("user add: %s", errOut)
	}
	snaps := filepath.Join(t.TempDir(), "snaps")
	var out, errOut strings.Builder
	if code := run([]string{"backup", "self", "--config", cfg, "--to", snaps}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "snapshot ward-self-") {
		t.Fatalf("backup self: %d %s %s", code, out.String(), errOut.String())
	}
	target := filepath.Join(t.TempDir(), "restored")
	out.Reset()
	errOut.Reset()
	if code := run([]string{"restore", "self", "--config", cfg, "--from", snaps, "--data", target}, &out, &errOut); code != 0 {
		t.Fatalf("restore self: %d %s %s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"restored ward-self-", "audit chain:", "key copied to " + filepath.Join(target, "ward.key"), "config-from-backup"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("restore output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"restore", "self", "--config", cfg, "--from", snaps, "--data", target}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "not empty") {
		t.Fatalf("restore into the restored (non-empty) directory: %d %s", code, errOut.String())
	}
	restoredCfg := filepath.Join(t.TempDir(), "ward.yaml")
	if err := os.WriteFile(restoredCfg, []byte("storage:\n  path: "+target+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"user", "list", "--config", restoredCfg}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "root  admin") {
		t.Fatalf("users of the restored ward: %d %s %s", code, out.String(), errOut.String())
	}
	out.Reset()
	if code := run([]string{"audit", "verify", "--config", restoredCfg}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "OK") {
		t.Fatalf("audit verify of the restored ward: %d %s %s", code, out.String(), errOut.String())
	}
}
