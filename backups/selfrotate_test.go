package backups

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

// TestSelfDrillAfterKeyRotation: a ward whose key was rotated (its audit
// chain has a closed epoch under the old key) is backed up, and the
// restore test of the snapshot passes: the chain verifies under the key
// epochs, not under the current key alone.
func TestSelfDrillAfterKeyRotation(t *testing.T) {
	dir := t.TempDir()
	st, err := storage.OpenState(filepath.Join(dir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.DiscardHandler)
	key, err := auth.OpenKey(st, auth.KeySource{DataDir: dir}, nil, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.OpenAuditKeys(key, time.Now()); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.CreateUser(storage.User{Name: "root", Role: "admin", PasswordHash: "x", Created: now},
		audit.Record{Time: now, Actor: "cli:test", Action: audit.ActionUserCreate, Target: "root", Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.RotateKey(context.Background(), st, key, auth.RotateOptions{Actor: "cli:test"}); err != nil {
		t.Fatal(err)
	}
	db, err := tsdb.Open(filepath.Join(dir, "tsdb"), nil, nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	app := db.Appender(context.Background())
	if _, err := app.Append(0, labels.FromStrings("__name__", "up", "job", "ward"), now.UnixMilli(), 1); err != nil {
		t.Fatal(err)
	}
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(dir, "scratch")
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		t.Fatal(err)
	}
	snaps := dirDest(filepath.Join(t.TempDir(), "snaps"))
	src := SelfSource{State: st, TSDB: db, AlertingDir: filepath.Join(dir, "alerting"), Scratch: scratch}
	if _, err := BackupSelf(context.Background(), src, dir, key, snaps, 0, now); err != nil {
		t.Fatal(err)
	}
	res, _, err := DrillSelf(context.Background(), snaps, key, scratch, time.Now())
	for _, a := range res.Assertions {
		if !a.Passed {
			t.Errorf("assertion %s: %s", a.Name, a.Detail)
		}
	}
	if err != nil {
		t.Fatalf("restore test after a key rotation: %v", err)
	}
}
