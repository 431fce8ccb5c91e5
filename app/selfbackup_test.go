package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/nflog"
	"github.com/prometheus/alertmanager/nflog/nflogpb"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/servicetest"
)

// selfBackupConfig is alertingConfig with an S3 check of the snapshots'
// bucket and a self job that writes there.
func selfBackupConfig(g *gauge, wh *webhook, s *servicetest.S3) string {
	return alertingConfig(g.addr(), wh.srv.URL, wh.srv.URL, "") + fmt.Sprintf(`
checks:
  - name: snapshots
    kind: s3
    endpoint: %s
    region: %s
    bucket: ward-self
    access_key_id: %s
    secret_access_key_env: WARD_TEST_SELF_S3_SECRET
    path_style: true
backups:
  jobs:
    - name: self
      kind: self
      schedule: "0 3 1 1 *"
      drill_schedule: "off"
      destination: s3://ward-self/snapshots/
      keep: 2
`, s.Endpoint, s.Region, s.AccessKey)
}

// TestSelfBackupRoundTrip: a ward with users, an API token, a silence, a
// notification sent and samples is backed up through its control socket
// to versitygw S3 (as the self job) and to a directory; its restore test
// passes; the snapshot restores into an empty directory, and ward started
// there has the same users, a verifying audit chain with the restore's
// record, the same query answer, the silence and the notification log
// (it does not notify the still-firing alert again). A modified snapshot
// and a non-empty target are refused.
func TestSelfBackupRoundTrip(t *testing.T) {
	s := servicetest.StartS3(t)
	s.CreateBucket(t, "ward-self")
	t.Setenv("WARD_TEST_SELF_S3_SECRET", s.SecretKey)
	g, wh := newGauge(t), newWebhook(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), testRule)
	cfg := selfBackupConfig(g, wh, s)
	in := startWardIn(t, dir, cfg)
	ctx := context.Background()
	dataDir := filepath.Join(dir, "data")

	if _, err := in.app.auth.CreateUser(ctx, auth.Local("cli:test"), auth.NewUser{Name: "alice", Email: "alice@example.com", Role: auth.RoleOperator, Password: "correct horse battery staple"}); err != nil {
		t.Fatal(err)
	}
	postJSON(t, in, "/api/v2/silences", map[string]any{
		"matchers": []map[string]any{{"name": "alertname", "value": "Maintenance", "isRegex": false, "isEqual": true}},
		"startsAt": time.Now().Format(time.RFC3339), "endsAt": time.Now().Add(2 * time.Hour).Format(time.RFC3339),
		"comment": "kept across restore", "createdBy": "test",
	})
	sils, _, err := in.app.alerting.Silences(ctx, 10)
	if err != nil || len(sils) != 1 {
		t.Fatalf("silences: %v %+v", err, sils)
	}
	g.v.Store(1)
	servicetest.Eventually(t, 20*time.Second, "firing notification", func() bool { return wh.count("firing") == 1 })
	// A moment of samples, asked for at a fixed time on both wards: the
	// time of a sample the original has.
	var at string
	servicetest.Eventually(t, 10*time.Second, "a sample of test_value", func() bool {
		if v := in.query(t, "test_value"); len(v) == 1 {
			at = fmt.Sprint(v[0].Value[0])
		}
		return at != ""
	})
	q := "/api/v1/query?query=" + url.QueryEscape("test_value") + "&time=" + url.QueryEscape(at)
	_, before := in.get(t, q)
	if !strings.Contains(string(before.Data), `"test_value"`) {
		t.Fatalf("query at %s: %s", at, before.Data)
	}
	users := userNames(t, in.app.auth)

	// The self job through the control socket, as `ward backup self`.
	resp, err := control.Call(ctx, dataDir, control.Request{Command: OpSelfBackup, Args: map[string]string{}})
	if err != nil || resp.Err() != nil {
		t.Fatalf("backup self (job): %v %v", err, resp.Err())
	}
	page, err := in.app.backups.List(ctx, backups.Filter{Job: "self", Kind: backups.KindBackup})
	if err != nil || len(page.Runs) != 1 || page.Runs[0].State != backups.StateSuccess || page.Runs[0].Bytes <= 0 {
		t.Fatalf("self job runs: %v %+v", err, page.Runs)
	}
	t.Logf("snapshot %s: %d bytes", page.Runs[0].Label, page.Runs[0].Bytes)
	snapDir := filepath.Join(t.TempDir(), "snapshots")
	resp, err = control.Call(ctx, dataDir, control.Request{Command: OpSelfBackup, Args: map[string]string{"to": snapDir}})
	if err != nil || resp.Err() != nil {
		t.Fatalf("backup self --to dir: %v %v", err, resp.Err())
	}
	resp, err = control.Call(ctx, dataDir, control.Request{Command: OpSelfTest, Args: map[string]string{"job": "self"}})
	if err != nil || resp.Err() != nil {
		t.Fatalf("restore test: %v %v", err, resp.Err())
	}
	t.Log(resp.Text)
	page, err = in.app.backups.List(ctx, backups.Filter{Job: "self", Kind: backups.KindDrill})
	if err != nil || len(page.Runs) != 1 || page.Runs[0].State != backups.StateSuccess || len(page.Runs[0].Drill.Assertions) != 5 {
		t.Fatalf("restore test runs: %v %+v", err, page.Runs)
	}
	recs, err := in.app.state.AuditQuery(audit.Query{Actions: []string{audit.ActionSelfBackup, audit.ActionSelfRestore}}, nil)
	if err != nil || len(recs) != 3 {
		t.Fatalf("audit records of the self-backups and the test: %v %+v", err, recs)
	}
	keyFile := filepath.Join(dataDir, auth.KeyFileName)
	in.stop()

	t.Run("a modified snapshot is refused", func(t *testing.T) {
		names, _ := os.ReadDir(snapDir)
		b, err := os.ReadFile(filepath.Join(snapDir, names[0].Name()))
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		bad := filepath.Join(t.TempDir(), names[0].Name())
		os.WriteFile(bad, b, 0o600)
		target := filepath.Join(t.TempDir(), "data")
		_, err = RestoreSelf(ctx, SelfRestore{ConfigFile: in.cfgFile, From: bad, DataDir: target, KeyFile: keyFile, Actor: "cli:test"}, testLogger(t))
		if !errors.Is(err, backups.ErrSelfCorrupt) {
			t.Fatalf("restore of a modified snapshot: %v, want ErrSelfCorrupt", err)
		}
		if left, _ := os.ReadDir(target); len(left) != 0 {
			t.Fatalf("a refused restore left %v in the target", left)
		}
	})
	t.Run("a non-empty target is refused", func(t *testing.T) {
		target := t.TempDir()
		os.WriteFile(filepath.Join(target, "precious"), []byte("x"), 0o600)
		_, err := RestoreSelf(ctx, SelfRestore{ConfigFile: in.cfgFile, From: snapDir, DataDir: target, KeyFile: keyFile, Actor: "cli:test"}, testLogger(t))
		if !errors.Is(err, backups.ErrSelfNotEmpty) {
			t.Fatalf("restore into a non-empty directory: %v, want ErrSelfNotEmpty", err)
		}
	})
	t.Run("the directory snapshot restores", func(t *testing.T) {
		res, err := RestoreSelf(ctx, SelfRestore{ConfigFile: in.cfgFile, From: snapDir, DataDir: filepath.Join(t.TempDir(), "data"), KeyFile: keyFile, Actor: "cli:test"}, testLogger(t))
		if err != nil || !res.Audit.Valid {
			t.Fatalf("restore from a directory: %v %+v", err, res.Audit)
		}
	})

	// Restore the S3 snapshot (the prefix's newest) and start ward on it.
	dir2 := t.TempDir()
	writeFile(t, filepath.Join(dir2, "rules.yml"), testRule)
	res, err := RestoreSelf(ctx, SelfRestore{ConfigFile: in.cfgFile, From: "s3://ward-self/snapshots/", DataDir: filepath.Join(dir2, "data"), KeyFile: keyFile, Actor: "cli:test"}, testLogger(t))
	if err != nil {
		t.Fatalf("restore from S3: %v", err)
	}
	if !res.Audit.Valid || res.KeyCopied == "" || res.ConfigFile == "" {
		t.Fatalf("restore result: %+v", res)
	}
	if n := nflogEntries(t, filepath.Join(dir2, "data", "alerting", "nflog")); n != 1 {
		t.Fatalf("restored notification log: %d entries for the firing group, want 1", n)
	}
	in2 := startRestoredWard(t, dir2, cfg, in.token)
	if got := userNames(t, in2.app.auth); !slices.Equal(got, users) {
		t.Errorf("restored users %v, want %v", got, users)
	}
	ar, err := in2.app.state.VerifyAudit(time.Now())
	if err != nil || !ar.Valid {
		t.Errorf("restored audit chain: %v %+v", err, ar)
	}
	if recs, _ := in2.app.state.AuditQuery(audit.Query{Action: audit.ActionSelfRestore, Actor: "cli:test"}, nil); len(recs) != 1 {
		t.Errorf("restored trail has %d restore.self records by cli:test, want 1", len(recs))
	}
	_, after := in2.get(t, q) // with the restored API token
	if string(after.Data) != string(before.Data) {
		t.Errorf("query at %s: restored ward answers %s, the original %s", at, after.Data, before.Data)
	}
	got, _, err := in2.app.alerting.Silences(ctx, 10)
	if err != nil || len(got) != 1 || got[0].ID != sils[0].ID || got[0].Comment != "kept across restore" {
		t.Errorf("restored silences: %v %+v, want %s", err, got, sils[0].ID)
	}
}

// userNames lists the users' names, sorted.
func userNames(tb testing.TB, svc *auth.Service) []string {
	tb.Helper()
	us, err := svc.Users(context.Background(), auth.Local("cli:test"))
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, u := range us {
		names = append(names, u.Name)
	}
	slices.Sort(names)
	return names
}

// nflogEntries loads a notification log snapshot with Alertmanager's own
// code and counts the entries of the firing ValueHigh group's webhook.
func nflogEntries(tb testing.TB, path string) int {
	tb.Helper()
	l, err := nflog.New(nflog.Options{SnapshotFile: path, Retention: time.Hour, Metrics: prometheus.NewRegistry()})
	if err != nil {
		tb.Fatal(err)
	}
	es, err := l.Query(nflog.QGroupKey(`{}:{alertname="ValueHigh"}`), nflog.QReceiver(&nflogpb.Receiver{GroupName: "primary", Integration: "webhook", Idx: 0}))
	if errors.Is(err, nflog.ErrNotFound) {
		return 0
	}
	if err != nil {
		tb.Fatal(err)
	}
	return len(es)
}

// startRestoredWard runs ward on a restored data directory (dir/data),
// as startWardIn does but with no new token: the restored one is used.
func startRestoredWard(tb testing.TB, dir, cfg, token string) *instance {
	tb.Helper()
	cfg += "\nlimits: {api_read: {rate: 1000000}, api_query: {rate: 1000000}, api_write: {rate: 1000000}, page: {rate: 1000000}, anonymous: {rate: 1000000}}\n"
	cfg += fmt.Sprintf("\nstorage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\n", filepath.Join(dir, "data"))
	cfgFile := filepath.Join(dir, "ward.yaml")
	writeFile(tb, cfgFile, cfg)
	a, err := New(Options{ConfigFile: cfgFile, Logger: testLogger(tb), Reload: make(chan struct{}, 1), Terminal: io.Discard})
	if err != nil {
		tb.Fatalf("starting the restored ward: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{app: a, base: "http://" + a.Addr(), cfgFile: cfgFile, dir: dir, done: make(chan error, 1), cancel: cancel, token: token, client: tokenClient(token)}
	go func() { in.done <- a.Run(ctx) }()
	tb.Cleanup(in.stop)
	return in
}
