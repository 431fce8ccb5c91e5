package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/storage"
)

func runCompliance(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut strings.Builder
	code = complianceCmd(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// addFile rezips pack with one more file, as someone slipping a file
// into a pack would.
func addFile(tb testing.TB, pack, out string) {
	tb.Helper()
	zr, err := zip.OpenReader(pack)
	if err != nil {
		tb.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		w, _ := zw.Create(f.Name)
		io.Copy(w, rc)
		rc.Close()
	}
	w, _ := zw.Create("extra.txt")
	w.Write([]byte("added later"))
	zw.Close()
	if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
}

// TestComplianceReportAndVerify: ward compliance report writes a pack
// with ward stopped (on the database) and running (through the socket);
// verify passes it either way, fails a pack with a file slipped in or
// one checked under another key, and both reports are audited.
func TestComplianceReportAndVerify(t *testing.T) {
	cfg, dataDir := runningWardConfig(t)
	dir := filepath.Dir(cfg)
	if code, _, stderr := runCompliance(t, "report", "--config", cfg); code != 2 || !strings.Contains(stderr, "--out FILE.zip") {
		t.Errorf("report without --out: %d %s", code, stderr)
	}
	if code, _, _ := runCompliance(t, "verify", "--config", cfg); code != 2 {
		t.Errorf("verify without a file: %d", code)
	}

	// Stopped: the first report creates the key and the database.
	first := filepath.Join(dir, "first.zip")
	if code, out, stderr := runCompliance(t, "report", "--out", first, "--config", cfg); code != 0 || !strings.Contains(out, "0 evidence records") {
		t.Fatalf("report on a fresh ward: %d\n%s%s", code, out, stderr)
	}
	st, err := storage.OpenState(filepath.Join(dataDir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		at := time.Now().Add(-time.Duration(i+1) * time.Hour)
		js, _ := json.Marshal(compliance.Evidence{Control: "admins-2fa", Status: compliance.Pass, Checked: at})
		if err := st.AppendEvidence([]storage.EvidenceRecord{{Control: "admins-2fa", At: at, JSON: js}}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	stopped := filepath.Join(dir, "stopped.zip")
	if code, out, stderr := runCompliance(t, "report", "--config", cfg, "--out", stopped); code != 0 || !strings.Contains(out, "1 controls (0 failing), 3 evidence records") {
		t.Fatalf("report with ward stopped: %d\n%s%s", code, out, stderr)
	}
	if code, out, stderr := runCompliance(t, "verify", stopped, "--config", cfg); code != 0 || !strings.Contains(out, ": OK, signed under this ward's keys") {
		t.Fatalf("verify with ward stopped: %d\n%s%s", code, out, stderr)
	}
	tampered := filepath.Join(dir, "tampered.zip")
	addFile(t, stopped, tampered)
	if code, out, _ := runCompliance(t, "verify", "--config", cfg, tampered); code != 1 || !strings.Contains(out, "extra.txt: not listed in the manifest (added)") {
		t.Errorf("verify of a pack with a file added: %d\n%s", code, out)
	}

	// Running: the ward writes and checks through its socket.
	_, stop := startWard(t, cfg)
	running := filepath.Join(dir, "running.zip")
	// The running ward's checker adds its own evidence at start: at
	// least the three stored above.
	code, out, stderr := runCompliance(t, "report", "--out", running, "--config", cfg)
	m := regexp.MustCompile(`(\d+) evidence records`).FindStringSubmatch(out)
	if n := 0; code != 0 || m == nil || func() bool { n, _ = strconv.Atoi(m[1]); return n < 3 }() {
		t.Fatalf("report with ward running: %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := runCompliance(t, "report", "--out", running, "--config", cfg); code == 0 || !strings.Contains(stderr, "exists") {
		t.Errorf("a second report onto the same file: %d %s; want it refused", code, stderr)
	}
	if code, out, stderr := runCompliance(t, "verify", running, "--config", cfg); code != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("verify with ward running: %d\n%s%s", code, out, stderr)
	}
	if code, out, _ := runCompliance(t, "verify", tampered, "--config", cfg); code != 1 || !strings.Contains(out, "extra.txt") {
		t.Errorf("verify of the tampered pack with ward running: %d\n%s", code, out)
	}
	stop()
	if fi, err := os.Stat(running); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the running ward's pack: %v, mode %v; want 0600", err, fi.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Another key: a pack from this ward does not pass.
	t.Setenv("WARD_SECRET_KEY", strings.Repeat("ab", 32))
	if code, out, _ := runCompliance(t, "verify", running, "--config", cfg); code != 1 || !strings.Contains(out, "signed under another key") || !strings.Contains(out, "$WARD_SECRET_KEY") {
		t.Errorf("verify under another key: %d\n%s", code, out)
	}

	st, err = storage.OpenState(filepath.Join(dataDir, "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, action := range []string{audit.ActionComplianceReport, audit.ActionDataRead} {
		recs, err := st.AuditQuery(audit.Query{Action: action}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var targets []string
		for _, r := range recs {
			if !strings.HasPrefix(r.Actor, "cli:") {
				t.Errorf("%s by %q, want the OS user", action, r.Actor)
			}
			targets = append(targets, r.Target)
		}
		if strings.Join(targets, " ") != strings.Join([]string{running, stopped, first}, " ") {
			t.Errorf("%s records for %v, want the three packs newest first", action, targets)
		}
	}
}
