package ui

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// TestAuditExport: an admin exports the filtered trail as CSV and JSON,
// and the export is itself audited.
func TestAuditExport(t *testing.T) {
	s, base := startServer(t, discardLogger())
	admin := signIn(t, s, "ada", auth.RoleAdmin)
	signIn(t, s, "vic", auth.RoleViewer)

	resp, body := doAs(t, "GET", base+"/admin/audit?action=login", "", admin)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "vic") {
		t.Fatalf("audit page: %d", resp.StatusCode)
	}
	resp, body = doAs(t, "GET", base+"/admin/audit/export?format=csv&actor=vic", "", admin)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv export: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][0] != "seq" {
		t.Fatalf("csv export: %v %q", err, body)
	}
	for _, r := range rows[1:] {
		if r[2] != "vic" {
			t.Errorf("actor filter let %q through", r[2])
		}
	}
	resp, body = doAs(t, "GET", base+"/admin/audit/export?format=json&action=audit.export", "", admin)
	var recs []struct{ Action, Actor string }
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &recs) != nil || len(recs) == 0 || recs[0].Actor != "ada" {
		t.Errorf("json export of the export records: %d %q", resp.StatusCode, body)
	}
	if resp, _ := doAs(t, "GET", base+"/admin/audit/export?format=xml", "", admin); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown format: %d, want 400", resp.StatusCode)
	}
}

// TestRecoveryCodesDownload echoes only recovery-code-shaped values, as
// an attachment.
func TestRecoveryCodesDownload(t *testing.T) {
	s, base := startServer(t, discardLogger())
	cookie := signIn(t, s, "ada", auth.RoleViewer)
	post := func(form string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", base+"/account/recovery-codes.txt", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		return send(t, req)
	}
	resp, body := post("code=abcd-efgh-ijkl-mnop&code=2345-6723-4567-2345")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "ward-recovery-codes.txt") ||
		!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") || !strings.Contains(body, "abcd-efgh-ijkl-mnop\n") {
		t.Errorf("download: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := post("code=%3Cscript%3E"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("non-code echoed: %d", resp.StatusCode)
	}
}
