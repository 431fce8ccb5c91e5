package ui

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
)

// TestReceiverTestAudited: every test notification is audited with the
// receiver and its outcome, and a receiver that cannot be built is
// reported without the internal error, which may quote its settings.
func TestReceiverTestAudited(t *testing.T) {
	var logs syncBuffer
	s, base := startServer(t, slog.New(slog.NewTextHandler(&logs, nil)))
	operator := apiToken(t, s, "oncall", auth.RoleOperator)

	// A receiver whose notification template breaks after the
	// configuration was loaded.
	dir := t.TempDir()
	tmpl := filepath.Join(dir, "notify.tmpl")
	if err := os.WriteFile(tmpl, []byte(`{{ define "x" }}fine{{ end }}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]byte(`
alerting:
  templates: [`+tmpl+`]
  route:
    receiver: log
  receivers:
    - name: log
    - name: team
`), filepath.Join(dir, "ward.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.deps.Alerting.(*alerting.Manager).ApplyConfig(cfg.Alerting); err != nil {
		t.Fatal(err)
	}

	resp, body := post(t, base+"/api/ward/receivers/log/test", operator, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("test of log: %d %s", resp.StatusCode, body)
	}
	r := lastRecord(t, s, audit.ActionReceiverTest)
	if r.Actor != "token:oncall" || r.Target != "log" || r.Outcome != audit.Success || r.Details["integrations"] != "1" {
		t.Errorf("record %+v", r)
	}

	resp, body = post(t, base+"/api/ward/receivers/nobody/test", operator, "", "")
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "unknown receiver") {
		t.Errorf("unknown receiver: %d %s", resp.StatusCode, body)
	}
	r = lastRecord(t, s, audit.ActionReceiverTest)
	if r.Target != "nobody" || r.Outcome != audit.Failure || r.Details["status"] != "404" {
		t.Errorf("record %+v", r)
	}

	if err := os.WriteFile(tmpl, []byte(`{{ define "x" }}{{ .Broken `), 0o600); err != nil {
		t.Fatal(err)
	}
	resp, body = post(t, base+"/api/ward/receivers/team/test", operator, "", "")
	var env struct{ Status, ErrorType, Error string }
	if resp.StatusCode != http.StatusInternalServerError || json.Unmarshal([]byte(body), &env) != nil ||
		env.Error != "the receiver could not be built; see ward's log" {
		t.Errorf("broken receiver: %d %s, want 500 with a generic message", resp.StatusCode, body)
	}
	if strings.Contains(body, dir) || strings.Contains(body, "template") {
		t.Errorf("answer leaks the internal error: %s", body)
	}
	if !strings.Contains(logs.String(), "notify.tmpl") {
		t.Errorf("the internal error is not logged:\n%s", logs.String())
	}
	r = lastRecord(t, s, audit.ActionReceiverTest)
	if r.Target != "team" || r.Outcome != audit.Failure || r.Details["status"] != "500" {
		t.Errorf("record %+v", r)
	}
}

// lastRecord returns the newest record of action.
func lastRecord(tb testing.TB, s *Server, action string) audit.Record {
	tb.Helper()
	recs := auditRecords(tb, s, action)
	if len(recs) == 0 {
		tb.Fatalf("no %s record", action)
	}
	return recs[0]
}
