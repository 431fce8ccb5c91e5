package app

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestSelfBackupAfterKeyRotation: a running ward rotates its key, takes
// a self-backup (its job), passes the job's restore test, and the
// snapshot restores with a verifying audit chain, the records from before
// the rotation included.
func TestSelfBackupAfterKeyRotation(t *testing.T) {
	dir := t.TempDir()
	snaps := filepath.Join(t.TempDir(), "snaps")
	in := startWardIn(t, dir, fastGlobal+"rules: {builtin: false}\nscrape_configs: []\nbackups:\n  jobs:\n"+
		"    - {name: self, kind: self, destination: "+snaps+", schedule: \"0 3 1 1 *\", drill_schedule: \"off\"}\n")
	ctx := context.Background()
	data := filepath.Join(dir, "data")
	enrolUsers(t, in.app.auth, 1)
	servicetest.Eventually(t, 30*time.Second, "ward's own up series", func() bool {
		return len(in.query(t, `up{job="ward"}`)) == 1
	})
	call := func(req control.Request) string {
		t.Helper()
		resp, err := control.Call(ctx, data, req)
		if err != nil || resp.Err() != nil {
			t.Fatalf("%s: %v %v", req.Command, err, resp.Err())
		}
		return resp.Text
	}
	call(control.Request{Command: KeyRotate})
	call(control.Request{Command: OpSelfBackup, Args: map[string]string{}})
	t.Log(call(control.Request{Command: OpSelfTest, Args: map[string]string{"job": "self"}}))
	page, err := in.app.backups.List(ctx, backups.Filter{Job: "self", Kind: backups.KindDrill})
	if err != nil || len(page.Runs) != 1 || page.Runs[0].State != backups.StateSuccess {
		t.Fatalf("restore test runs: %v %+v", err, page.Runs)
	}
	keyFile := filepath.Join(data, auth.KeyFileName)
	res, err := RestoreSelf(ctx, SelfRestore{ConfigFile: in.cfgFile, From: snaps, DataDir: filepath.Join(t.TempDir(), "data"), KeyFile: keyFile, Actor: "cli:test"}, testLogger(t))
	if err != nil || !res.Audit.Valid {
		t.Fatalf("restore after a key rotation: %v %+v", err, res.Audit)
	}
}
