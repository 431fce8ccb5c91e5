package ui

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/storage"
)

// dataReads returns the data.read records of what, newest first,
// without recording a read of the trail.
func dataReads(tb testing.TB, s *Server, what string) []audit.Record {
	tb.Helper()
	st, ok := s.deps.Audit.(*storage.State)
	if !ok {
		tb.Fatalf("the test server's audit is %T", s.deps.Audit)
	}
	recs, err := st.AuditQuery(audit.Query{Action: audit.ActionDataRead}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	var out []audit.Record
	for _, r := range recs {
		if r.Details["what"] == what {
			out = append(out, r)
		}
	}
	return out
}

// TestDataReadAuditExport: an audit export leaves a data.read naming the
// reader, the filters, the format and how many records left.
func TestDataReadAuditExport(t *testing.T) {
	s, base := startServer(t, discardLogger())
	admin := signIn(t, s, "ada", auth.RoleAdmin)
	signIn(t, s, "vic", auth.RoleViewer)
	signIn(t, s, "vic", auth.RoleViewer)
	if resp, _ := doAs(t, "GET", base+"/admin/audit?actor=vic", "", admin); resp.StatusCode != http.StatusOK {
		t.Fatalf("audit page: %d", resp.StatusCode)
	}
	if got := dataReads(t, s, readAuditExport); len(got) != 0 {
		t.Fatalf("viewing the audit page is a routine view, yet recorded %+v", got)
	}
	resp, body := doAs(t, "GET", base+"/admin/audit/export?format=csv&actor=vic", "", admin)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if resp.StatusCode != http.StatusOK || err != nil || len(rows) < 3 {
		t.Fatalf("export: %d %v %q", resp.StatusCode, err, body)
	}
	got := dataReads(t, s, readAuditExport)
	if len(got) != 1 {
		t.Fatalf("%d data.read records, want 1", len(got))
	}
	r := got[0]
	if r.Actor != "ada" || r.Details["records"] != strconv.Itoa(len(rows)-1) || r.Details["format"] != "csv" || r.Details["actor"] != "vic" {
		t.Errorf("data.read %+v: want ada reading %d records, format and filter named", r, len(rows)-1)
	}
}

// TestDataReadEventsExport: an events export leaves a data.read with
// the count and filters; the events page does not.
func TestDataReadEventsExport(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	recordEvents(t, s, 12)
	if resp, _ := doAs(t, "GET", base+"/events", "", viewer); resp.StatusCode != http.StatusOK {
		t.Fatalf("events page: %d", resp.StatusCode)
	}
	if got := dataReads(t, s, readEventsExport); len(got) != 0 {
		t.Fatalf("the events page was recorded as a data read: %+v", got)
	}
	resp, body := doAs(t, "GET", base+"/events/export?format=json&kind=target_down", "", viewer)
	if resp.StatusCode != http.StatusOK || strings.Count(body, `"kind":`) != 6 {
		t.Fatalf("export: %d %s", resp.StatusCode, body)
	}
	got := dataReads(t, s, readEventsExport)
	if len(got) != 1 || got[0].Actor != "vic" || got[0].Details["records"] != "6" || got[0].Details["format"] != "json" || got[0].Details["filters"] != "kind=target_down" {
		t.Errorf("data.read records %+v: want vic reading 6 events, kind=target_down", got)
	}
}

// TestDataReadBackupLogs: a run's page and the API answers that carry
// logs are recorded (a principal re-reading the same run within the
// minute is coalesced); the backups page and a run without a log are
// not.
func TestDataReadBackupLogs(t *testing.T) {
	mem := newMemBackups(time.Now())
	s, base := startBackupsServer(t, mem)
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	script := apiToken(t, s, "script", auth.RoleViewer)
	page, _ := mem.List(context.Background(), backups.Filter{Limit: 100})
	var withLog, noLog string
	for _, r := range page.Runs {
		switch {
		case r.Log != "" && withLog == "":
			withLog = r.ID
		case r.Log == "" && noLog == "":
			noLog = r.ID
		}
	}
	if withLog == "" || noLog == "" {
		t.Fatal("the fake has no run with a log, or none without")
	}
	for _, path := range []string{"/backups", "/backups/runs/" + noLog} {
		if resp, _ := doAs(t, "GET", base+path, "", viewer); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	if got := dataReads(t, s, readBackupLog); len(got) != 0 {
		t.Fatalf("reads without a log were recorded: %+v", got)
	}
	for range 2 {
		if resp, _ := doAs(t, "GET", base+"/backups/runs/"+withLog, "", viewer); resp.StatusCode != http.StatusOK {
			t.Fatalf("run page: %d", resp.StatusCode)
		}
	}
	for _, path := range []string{"/api/backups/runs/" + withLog, "/api/backups/" + withLog + "/", "/api/backups/?job=nightly"} {
		if resp, body := doAs(t, "GET", base+path, script, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
	got := dataReads(t, s, readBackupLog)
	want := map[string]string{"vic " + withLog: "1", "token:script " + withLog: "1", "token:script runs": "5"}
	if len(got) != len(want) {
		t.Fatalf("data.read records %+v: want %v", got, want)
	}
	for _, r := range got {
		if n, ok := want[r.Actor+" "+r.Target]; !ok || r.Details["records"] != n {
			t.Errorf("data.read %s %s records=%s: want one of %v", r.Actor, r.Target, r.Details["records"], want)
		}
	}
}

// TestPolledReadsCoalesced: one record per principal and target per
// window; the next names how many reads it did not record.
func TestPolledReadsCoalesced(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "ward.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	s := &Server{deps: Deps{Audit: st}, logger: discardLogger(), now: func() time.Time { return now }, trail: newTrailState()}
	read := func(who, target string) {
		t.Helper()
		r := httptest.NewRequest("GET", "/backups/runs/x", nil)
		r = r.WithContext(auth.WithPrincipal(r.Context(), &auth.Principal{User: auth.User{Name: who, Role: auth.RoleViewer}}))
		if err := s.auditPolledRead(r, readBackupLog, target, 1); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		read("vic", "run-a")
	}
	read("vic", "run-b")
	read("ann", "run-a")
	now = now.Add(denialWindow)
	read("vic", "run-a")
	recs, err := st.AuditQuery(audit.Query{Action: audit.ActionDataRead}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 4 || recs[0].Actor != "vic" || recs[0].Target != "run-a" || recs[0].Details["unrecorded_before"] != "2" {
		t.Errorf("records %+v: want 4, the newest vic's run-a with unrecorded_before=2", recs)
	}
}
