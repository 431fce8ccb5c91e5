package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/app"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/storage"
)

// eraseOffline erases a user as the privacy page does, with ward stopped.
func eraseOffline(tb testing.TB, cfg, name string) {
	tb.Helper()
	o, err := app.OpenOffline(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	defer o.Close()
	rec := audit.Record{Time: time.Now(), Actor: "cli:test", ActorIP: "local"}
	if _, err := o.State.EraseUser(name, storage.NewLedger(o.Config.LedgerPath()), rec, time.Now(), nil); err != nil {
		tb.Fatal(err)
	}
}

// TestRestoreSelfKeepsErasures: a user erased after the snapshot was
// taken stays erased once the snapshot is restored and ward starts on
// it (the current ledger is merged into the restored one, and the start
// re-applies it); a snapshot taken after an erasure carries the ledger
// itself; without a current ledger the restore warns.
func TestRestoreSelfKeepsErasures(t *testing.T) {
	cfg, _ := wardConfig(t)
	for _, u := range []string{"root", "alice"} {
		if code, _, errOut := runUser(t, "correct horse battery staple\n", "add", u, "--role", "admin", "--email", u+"@example.com", "--config", cfg); code != 0 {
			t.Fatalf("user add %s: %s", u, errOut)
		}
	}
	snaps := filepath.Join(t.TempDir(), "snaps")
	if code, out, errOut := runWard(t, "backup", "self", "--config", cfg, "--to", snaps); code != 0 {
		t.Fatalf("backup self: %d %s %s", code, out, errOut)
	}
	eraseOffline(t, cfg, "alice")

	// start runs ward's start on a restored directory (`ward user list`
	// opens it as `ward serve` does: keys, then the erasures re-applied)
	// and returns the users it lists.
	start := func(t *testing.T, target string) string {
		t.Helper()
		restoredCfg := filepath.Join(t.TempDir(), "ward.yaml")
		if err := os.WriteFile(restoredCfg, []byte("storage:\n  path: "+target+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := runWard(t, "user", "list", "--config", restoredCfg)
		if code != 0 {
			t.Fatalf("user list on the restored ward: %d %s", code, errOut)
		}
		if code, out, errOut := runWard(t, "audit", "verify", "--config", restoredCfg); code != 0 || !strings.Contains(out, "OK") {
			t.Fatalf("audit verify of the restored ward: %d %s %s", code, out, errOut)
		}
		return out
	}
	t.Run("erased after the snapshot", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "restored")
		code, out, errOut := runWard(t, "restore", "self", "--config", cfg, "--from", snaps, "--data", target)
		if code != 0 {
			t.Fatalf("restore self: %d %s %s", code, out, errOut)
		}
		if users := start(t, target); strings.Contains(users, "alice") || !strings.Contains(users, "root") {
			t.Fatalf("users of the restored ward after its start:\n%s", users)
		}
		assertNowhere(t, target, "alice")
		if !strings.Contains(out, "1 erasures from ") || !strings.Contains(out, "1 that the restored database predates will be re-applied") || strings.Contains(errOut, "WARNING") {
			t.Errorf("restore self output:\n%s\n%s", out, errOut)
		}
	})
	t.Run("the snapshot carries the ledger", func(t *testing.T) {
		snaps2 := filepath.Join(t.TempDir(), "snaps")
		if code, out, errOut := runWard(t, "backup", "self", "--config", cfg, "--to", snaps2); code != 0 {
			t.Fatalf("backup self: %d %s %s", code, out, errOut)
		}
		// Restored with a config whose ledger does not exist: the
		// snapshot's copy is all there is, and the command warns.
		other, _ := wardConfig(t)
		target := filepath.Join(t.TempDir(), "restored")
		code, out, errOut := runWard(t, "restore", "self", "--config", other, "--key-file", filepath.Join(filepath.Dir(cfg), "data", "ward.key"), "--from", snaps2, "--data", target)
		if code != 0 || !strings.Contains(out, "erasures: 1 in the restored ledger; 0 ") || !strings.Contains(errOut, "WARNING: no erasure ledger at ") {
			t.Fatalf("restore self without a current ledger: %d %s %s", code, out, errOut)
		}
		entries, err := storage.NewLedger(filepath.Join(target, "erasures.ledger")).Entries()
		if err != nil || len(entries) != 1 {
			t.Fatalf("restored ledger: %v %+v", err, entries)
		}
	})
}

// assertNowhere fails if any file under dir holds s.
func assertNowhere(tb testing.TB, dir, s string) {
	tb.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), s) {
			tb.Errorf("%s holds %q", path, s)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}
