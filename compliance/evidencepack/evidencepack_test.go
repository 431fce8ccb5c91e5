package evidencepack

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/compliance"
	"github.com/ward-monitoring/ward/storage"
)

var (
	testKey  = bytes.Repeat([]byte{0x42}, 32)
	otherKey = bytes.Repeat([]byte{0x43}, 32)
	now      = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
)

// openState opens a state database in a temporary directory.
func openState(tb testing.TB) *storage.State {
	tb.Helper()
	st, err := storage.OpenState(filepath.Join(tb.TempDir(), "ward.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// addEvidence stores one record of control at at.
func addEvidence(tb testing.TB, st *storage.State, e compliance.Evidence) {
	tb.Helper()
	js, err := json.Marshal(e)
	if err != nil {
		tb.Fatal(err)
	}
	if err := st.AppendEvidence([]storage.EvidenceRecord{{Control: e.Control, At: e.Checked, JSON: js}}); err != nil {
		tb.Fatal(err)
	}
}

// testControls are a checklist: admins-2fa checked hourly (passing),
// backups checked hourly but last an hour and a half ago (stale),
// privacy-policy manual and attested, legal-review manual and not.
var testControls = []compliance.Control{
	{ID: "admins-2fa", Title: "2FA for every admin", Requirement: "2FA for 100% of admins", Labels: []string{"SOC2 CC6.1"}, Interval: time.Hour},
	{ID: "backups", Title: "Backups succeed", Interval: time.Hour},
	{ID: "privacy-policy", Title: "Privacy policy updated", Manual: true},
	{ID: "legal-review", Title: "Legal review completed", Manual: true},
}

// packState is a store with evidence for testControls and one control
// the checklist does not list.
func packState(tb testing.TB) *storage.State {
	tb.Helper()
	st := openState(tb)
	for i := range 5 {
		addEvidence(tb, st, compliance.Evidence{Control: "admins-2fa", Status: compliance.Pass, Value: "3 of 3 admins", Threshold: "100%",
			Checked: now.Add(-time.Duration(i)*time.Hour - time.Minute), Sources: []compliance.Source{{Kind: "user", Ref: "=cmd|' /C calc'!A0"}}, AuditSeq: uint64(100 - i)})
	}
	addEvidence(tb, st, compliance.Evidence{Control: "backups", Status: compliance.Pass, Checked: now.Add(-90 * time.Minute)})
	addEvidence(tb, st, compliance.Evidence{Control: "backups", Status: compliance.Fail, Checked: now.Add(-3 * time.Hour)})
	addEvidence(tb, st, compliance.Evidence{Control: "old-control", Status: compliance.Warn, Checked: now.Add(-time.Hour)})
	// Outside the window: after the pack, and older than 400 days.
	addEvidence(tb, st, compliance.Evidence{Control: "admins-2fa", Status: compliance.Fail, Checked: now.Add(time.Minute)})
	addEvidence(tb, st, compliance.Evidence{Control: "admins-2fa", Status: compliance.Fail, Checked: now.Add(-401 * 24 * time.Hour)})
	att, _ := json.Marshal(compliance.Attestation{Control: "privacy-policy", By: "ada", At: now.Add(-24 * time.Hour), Comment: "<b>reviewed</b>", Expires: now.Add(300 * 24 * time.Hour)})
	if err := st.PutAttestation("privacy-policy", att, audit.Record{Time: now, Actor: "ada", Action: audit.ActionComplianceAttest, Outcome: audit.Success}); err != nil {
		tb.Fatal(err)
	}
	return st
}

func testInput(st Store) Input {
	return Input{
		Controls: testControls, Store: st, Generated: now, By: "ada", Instance: "https://ward.example",
		Audit: audit.Result{Valid: true, Records: 7, First: 1, Last: 7, Head: audit.Anchor{Seq: 7, Hash: bytes.Repeat([]byte{0xab}, 32)}, CheckedAt: now},
	}
}

// makePack writes the pack of in and returns its bytes.
func makePack(tb testing.TB, in Input) ([]byte, Summary) {
	tb.Helper()
	var buf bytes.Buffer
	sum, err := Write(&buf, in, testKey)
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes(), sum
}

// unzip returns a pack's files by name, in order.
func unzip(tb testing.TB, pack []byte) ([]string, map[string][]byte) {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(pack), int64(len(pack)))
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = b
	}
	return names, files
}

func TestWriteContents(t *testing.T) {
	pack, sum := makePack(t, testInput(packState(t)))
	names, files := unzip(t, pack)
	want := []string{FileEvidence, FileEvidenceCSV, FileControls, FileControlsCSV, FileAuditHead, FileReport, FileManifest, FileSignature}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("files %v, want %v", names, want)
	}
	if sum.Evidence != 8 || sum.Controls != 5 || sum.Attestations != 1 || sum.Failing != 2 || len(sum.ManifestSHA256) != 64 {
		t.Errorf("summary %+v: want 8 evidence, 5 controls, 1 attestation, 2 failing", sum)
	}

	var ev []compliance.Evidence
	if err := json.Unmarshal(files[FileEvidence], &ev); err != nil || len(ev) != 8 {
		t.Fatalf("evidence.json: %v, %d records", err, len(ev))
	}
	for _, e := range ev {
		if !e.Checked.Before(now) || e.Checked.Before(now.Add(-compliance.EvidenceRetention)) {
			t.Errorf("evidence outside the window: %+v", e)
		}
	}
	rows, err := csv.NewReader(bytes.NewReader(files[FileEvidenceCSV])).ReadAll()
	if err != nil || len(rows) != 9 || strings.Join(rows[0], ",") != strings.Join(evidenceCSVHeader, ",") {
		t.Fatalf("evidence.csv: %v, %d rows", err, len(rows))
	}
	if !strings.Contains(string(files[FileEvidenceCSV]), "user:=cmd") || strings.Contains(string(files[FileEvidenceCSV]), ",=cmd") {
		t.Error("evidence.csv: a cell starting with = is not defused")
	}

	var controls []ControlRow
	if err := json.Unmarshal(files[FileControls], &controls); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range controls {
		got[c.ID] = string(c.Status) + "/" + c.JudgedBy + fmt.Sprint("/", c.Evidence.Total)
	}
	for id, w := range map[string]string{
		"admins-2fa": "pass/pack/5", "backups": "stale/pack/2", "privacy-policy": "pass/pack/0",
		"legal-review": "fail/pack/0", "old-control": "warn/pack/1",
	} {
		if got[id] != w {
			t.Errorf("control %s: %s, want %s", id, got[id], w)
		}
	}
	if controls[4].ID != "old-control" {
		t.Errorf("the unlisted control is not last: %v", controls[4].ID)
	}
	crows, err := csv.NewReader(bytes.NewReader(files[FileControlsCSV])).ReadAll()
	if err != nil || len(crows) != 6 || crows[1][0] != "admins-2fa" || crows[1][6] != "pass" {
		t.Errorf("controls.csv: %v %v", err, crows)
	}

	head := string(files[FileAuditHead])
	if !strings.Contains(head, "head: 7:abab") || !strings.Contains(head, "ward audit verify --anchor 7:abab") || !strings.Contains(head, "valid: true") {
		t.Errorf("audit-head.txt:\n%s", head)
	}
	report := string(files[FileReport])
	for _, w := range []string{"2FA for every admin", "SOC2 CC6.1", "not audit advice", "&lt;b&gt;reviewed&lt;/b&gt;", "https://ward.example", "7:abab"} {
		if !strings.Contains(report, w) {
			t.Errorf("report.html lacks %q", w)
		}
	}
	for _, bad := range []string{"<script", "<b>reviewed", "src=", "href=\"http"} {
		if strings.Contains(report, bad) {
			t.Errorf("report.html holds %q: it must be self-contained with no scripts", bad)
		}
	}
}

// TestCheckerStatusesWin: the checker's verdicts replace the pack's own.
func TestCheckerStatusesWin(t *testing.T) {
	in := testInput(packState(t))
	in.Statuses = map[string]compliance.Status{"backups": compliance.Pass}
	_, files := unzip(t, func() []byte { p, _ := makePack(t, in); return p }())
	var controls []ControlRow
	if err := json.Unmarshal(files[FileControls], &controls); err != nil {
		t.Fatal(err)
	}
	if controls[1].ID != "backups" || controls[1].Status != compliance.Pass || controls[1].JudgedBy != "checker" {
		t.Errorf("backups row %+v: want the checker's pass", controls[1])
	}
}

func TestWriteAuditNotVerified(t *testing.T) {
	in := testInput(openState(t))
	in.Audit, in.AuditErr = audit.Result{}, "no audit key"
	pack, sum := makePack(t, in)
	_, files := unzip(t, pack)
	if !strings.Contains(string(files[FileAuditHead]), "verified: no (no audit key)") || !strings.Contains(string(files[FileReport]), "not verified") {
		t.Errorf("an unverified chain is not said so:\n%s", files[FileAuditHead])
	}
	if sum.Evidence != 0 || sum.Controls != 4 {
		t.Errorf("empty store: %+v", sum)
	}
	if rep, err := Verify(bytes.NewReader(pack), int64(len(pack)), [][]byte{testKey}); err != nil || !rep.OK {
		t.Errorf("an empty pack does not verify: %+v %v", rep, err)
	}
}
