package ui

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/storage"
)

// TestAuditPageViewIsAudited: a view of /admin/audit is recorded as the
// API's reads are: audit.view with the filters, via=page and how many
// records the page showed.
func TestAuditPageViewIsAudited(t *testing.T) {
	t0 := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	s, base, _ := startAuditAPIServer(t, 10, t0)
	admin := signIn(t, s, "ada", auth.RoleAdmin)
	if resp, _ := doAs(t, "GET", base+"/admin/audit?actor=carol&outcome=success", "", admin); resp.StatusCode != http.StatusOK {
		t.Fatalf("/admin/audit: %d", resp.StatusCode)
	}
	// carol wrote the odd records; every third failed: 1, 5, 7.
	want := 3
	page, err := s.deps.AuditTrail.AuditPageQuery(audit.Query{Action: audit.ActionAuditView, Actor: "ada"}, storage.AuditPageOptions{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 {
		t.Fatalf("audit.view records of the page: %+v", page.Records)
	}
	d := page.Records[0].Details
	if d["actor"] != "carol" || d["outcome"] != "success" || d["via"] != "page" || d["records"] != strconv.Itoa(want) {
		t.Errorf("the page view's details %v, want the filters, via=page and records=%d", d, want)
	}
}
