package ui

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
)

func registererOf(tb testing.TB, d *Deps) prometheus.Registerer {
	tb.Helper()
	reg, ok := d.Gatherer.(*prometheus.Registry)
	if !ok {
		tb.Fatalf("the test server's gatherer is %T, want a registry", d.Gatherer)
	}
	return reg
}

// apiEnvelope decodes the console API's envelope.
func apiEnvelope(tb testing.TB, body string, data any) (status, errText string) {
	tb.Helper()
	var env struct {
		Status, Error string
		Data          json.RawMessage
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		tb.Fatalf("not the API envelope: %v: %s", err, body)
	}
	if data != nil && env.Status == "success" {
		if err := json.Unmarshal(env.Data, data); err != nil {
			tb.Fatalf("data: %v: %s", err, env.Data)
		}
	}
	return env.Status, env.Error
}

// TestBackupsAPIReads: the list's filters and cursor, one run, a run's
// progress and the status, and a 400 naming the field for every bad
// value.
func TestBackupsAPIReads(t *testing.T) {
	mem := newMemBackups(time.Now())
	s, base := startBackupsServer(t, mem)
	viewer := apiToken(t, s, "grafana", auth.RoleViewer)

	resp, body := doAs(t, "GET", base+"/api/backups/?limit=3", viewer, nil)
	var page backups.Page
	if st, _ := apiEnvelope(t, body, &page); resp.StatusCode != 200 || st != "success" || len(page.Runs) != 3 || page.Next == "" {
		t.Fatalf("first page: %d %d runs next %q: %s", resp.StatusCode, len(page.Runs), page.Next, body)
	}
	_, body = doAs(t, "GET", base+"/api/backups/?limit=3&before="+page.Next, viewer, nil)
	var second backups.Page
	apiEnvelope(t, body, &second)
	if len(second.Runs) == 0 || second.Runs[0].ID >= page.Runs[2].ID {
		t.Errorf("second page does not continue the first: %+v", second.Runs)
	}
	_, body = doAs(t, "GET", base+"/api/backups/?job=nightly&stanza=main&status=success&kind=backup", viewer, nil)
	var filtered backups.Page
	apiEnvelope(t, body, &filtered)
	if len(filtered.Runs) != 5 {
		t.Errorf("filtered list: %d runs, want the 5 nightly successes", len(filtered.Runs))
	}
	f := mem.filters[len(mem.filters)-1]
	if f != (backups.Filter{Job: "nightly", Stanza: "main", State: backups.StateSuccess, Kind: backups.KindBackup, Limit: 50}) {
		t.Errorf("service got filter %+v", f)
	}

	for q, field := range map[string]string{
		"status=bogus": "status:", "kind=backups": "kind:", "limit=0": "limit:", "limit=501": "limit:", "limit=x": "limit:",
		"before=zz": "before:", "job=" + url.QueryEscape("../etc"): "job:", "stanza=" + strings.Repeat("a", 129): "stanza:",
		"jobs=nightly": "jobs:", "job=a&job=b": "job:",
	} {
		resp, body := doAs(t, "GET", base+"/api/backups/?"+q, viewer, nil)
		if _, errText := apiEnvelope(t, body, nil); resp.StatusCode != 400 || !strings.HasPrefix(errText, field) {
			t.Errorf("?%s: %d %q, want 400 naming %s", q, resp.StatusCode, errText, field)
		}
	}

	id := page.Runs[0].ID
	resp, body = doAs(t, "GET", base+"/api/backups/"+id+"/", viewer, nil)
	var run backups.Run
	if apiEnvelope(t, body, &run); resp.StatusCode != 200 || run.ID != id {
		t.Errorf("one run: %d %s", resp.StatusCode, body)
	}
	resp, body = doAs(t, "GET", base+"/api/backups/runs/"+id, viewer, nil)
	var prog runProgress
	if apiEnvelope(t, body, &prog); resp.StatusCode != 200 || prog.State != backups.StateRunning || prog.Progress != "restoring" || prog.Done {
		t.Errorf("progress of the running drill: %d %s", resp.StatusCode, body)
	}
	for path, want := range map[string]int{
		"/api/backups/0000000000000000-00000000/": 404, "/api/backups/nope/": 400, "/api/backups/runs/nope": 400,
	} {
		if resp, body := doAs(t, "GET", base+path, viewer, nil); resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d: %s", path, resp.StatusCode, want, body)
		}
	}
	resp, body = doAs(t, "GET", base+"/api/backups/status/", viewer, nil)
	var st backups.Status
	if apiEnvelope(t, body, &st); resp.StatusCode != 200 || len(st.Jobs) != 2 || len(st.Stanzas) != 1 || st.Stanzas[0].RPO.Target != time.Hour {
		t.Errorf("status: %d %s", resp.StatusCode, body)
	}
}

// TestBackupsAPIUnconfigured: a ward without backups answers 404.
func TestBackupsAPIUnconfigured(t *testing.T) {
	s, base := startBackupsServer(t, nil)
	viewer := apiToken(t, s, "grafana", auth.RoleViewer)
	for _, path := range []string{"/api/backups/", "/api/backups/status/", "/ping/anything"} {
		if resp, body := doAs(t, "GET", base+path, viewer, nil); resp.StatusCode != 404 {
			t.Errorf("GET %s without backups: %d %s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := doAs(t, "GET", base+"/backups", "", signIn(t, s, "victor", auth.RoleViewer)); resp.StatusCode != 200 {
		t.Errorf("/backups without backups: %d, want the page saying how to set them up", resp.StatusCode)
	}
}

// TestBackupsRunNow: operators only, 202 with Location, 409 when busy,
// every outcome audited.
func TestBackupsRunNow(t *testing.T) {
	mem := newMemBackups(time.Now())
	s, base := startBackupsServer(t, mem)
	viewer := apiToken(t, s, "grafana", auth.RoleViewer)
	operator := apiToken(t, s, "oncall", auth.RoleOperator)
	if resp, _ := doAs(t, "POST", base+"/api/backups/jobs/nightly/run", viewer, nil); resp.StatusCode != 403 {
		t.Errorf("viewer: %d, want 403", resp.StatusCode)
	}
	resp, body := doAs(t, "POST", base+"/api/backups/jobs/nightly/run", operator, nil)
	var got struct{ ID string }
	if apiEnvelope(t, body, &got); resp.StatusCode != 202 || resp.Header.Get("Location") != "/api/backups/runs/"+got.ID || got.ID == "" {
		t.Fatalf("run now: %d Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if resp, body := doAs(t, "POST", base+"/api/backups/jobs/nightly/run", operator, nil); resp.StatusCode != 409 {
		t.Errorf("second run now while running: %d %s, want 409", resp.StatusCode, body)
	}
	if resp, _ := doAs(t, "POST", base+"/api/backups/jobs/nope/run", operator, nil); resp.StatusCode != 404 {
		t.Errorf("unknown job: %d, want 404", resp.StatusCode)
	}
	recs := auditOf(t, s, audit.ActionBackupRun)
	var ok, failed int
	for _, r := range recs {
		if r.Actor != "token:oncall" {
			t.Errorf("record by %q", r.Actor)
		}
		if r.Outcome == audit.Success && r.Details["run"] == got.ID {
			ok++
		} else if r.Outcome == audit.Failure {
			failed++
		}
	}
	if ok != 1 || failed != 2 {
		t.Errorf("audit: %d successes (want 1), %d refusals (want 2): %+v", ok, failed, recs)
	}
}

func auditOf(tb testing.TB, s *Server, action string) []audit.Record {
	tb.Helper()
	recs, err := s.deps.AuditLog.Records(context.Background(), "test", "", audit.Query{Action: action})
	if err != nil {
		tb.Fatal(err)
	}
	return recs
}

// TestBackupsRunNowType: the type comes from ?type= (or the form's
// field), reaches the service and the audit record; anything but full,
// diff or incr is refused naming the field. The page offers the choice
// next to Run now.
func TestBackupsRunNowType(t *testing.T) {
	mem := newMemBackups(time.Now())
	s, base := startBackupsServer(t, mem)
	operator := apiToken(t, s, "oncall", auth.RoleOperator)
	if resp, body := doAs(t, "POST", base+"/api/backups/jobs/nightly/run?type=weekly", operator, nil); resp.StatusCode != 400 || !strings.Contains(string(body), "type: want full, diff or incr") {
		t.Errorf("bad type: %d %s, want 400 naming type", resp.StatusCode, body)
	}
	resp, body := doAs(t, "POST", base+"/api/backups/jobs/nightly/run?type=diff", operator, nil)
	var got struct{ Run backups.Run }
	if apiEnvelope(t, body, &got); resp.StatusCode != 202 || got.Run.Type != "diff" {
		t.Fatalf("run now diff: %d %s", resp.StatusCode, body)
	}
	var audited bool
	for _, r := range auditOf(t, s, audit.ActionBackupRun) {
		audited = audited || (r.Outcome == audit.Success && r.Details["type"] == "diff")
	}
	if !audited {
		t.Error("the type is not in the audit record")
	}
	if resp, body := doAs(t, "GET", base+"/backups", "", signIn(t, s, "olga", auth.RoleOperator)); resp.StatusCode != 200 ||
		!strings.Contains(string(body), `<select name="type"><option value="">as scheduled next</option>`) {
		t.Errorf("/backups lacks the type select: %d", resp.StatusCode)
	}
}
