package ui

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// TestForbiddenAudited: a refused request (403) is audited with who,
// the route and the roles, once per principal and route however often it
// is repeated.
func TestForbiddenAudited(t *testing.T) {
	s, base := startServer(t, discardLogger())
	viewer := apiToken(t, s, "grafana", auth.RoleViewer)
	other := apiToken(t, s, "dashboard", auth.RoleViewer)
	session := signIn(t, s, "victor", auth.RoleViewer)
	for range 20 {
		if resp, _ := doAs(t, "POST", base+"/api/v2/silences", viewer, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	}
	doAs(t, "POST", base+"/api/v2/alerts", viewer, nil)
	doAs(t, "POST", base+"/api/v2/silences", other, nil)
	doAs(t, "GET", base+"/admin/users", "", session)
	doAs(t, "GET", base+"/admin/users", "", session)

	got := map[string]int{}
	for _, r := range auditRecords(t, s, audit.ActionAccessDenied) {
		got[r.Actor+" "+r.Target]++
		if r.Outcome != audit.Failure || r.Details["route"] != r.Target || r.Details["role"] != "viewer" || r.Details["required_role"] == "" {
			t.Errorf("record %+v", r)
		}
	}
	want := map[string]int{
		"token:grafana POST /api/v2/silences":   1,
		"token:grafana POST /api/v2/alerts":     1,
		"token:dashboard POST /api/v2/silences": 1,
		"victor GET /admin/users":               1,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records by actor and route: %v, want %v", got, want)
	}
}

// TestDenialLimiter: one record per principal and route per window, the
// next one saying how many refusals it did not record, and a bounded
// number of pairs followed.
func TestDenialLimiter(t *testing.T) {
	var l denialLimiter
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	steps := []struct {
		actor, route string
		at           time.Duration
		ok           bool
		suppressed   int
	}{
		{"alice", "POST /x", 0, true, 0},
		{"alice", "POST /x", time.Second, false, 0},
		{"alice", "POST /x", 59 * time.Second, false, 0},
		{"alice", "POST /y", 59 * time.Second, true, 0},
		{"bob", "POST /x", 59 * time.Second, true, 0},
		{"alice", "POST /x", time.Minute, true, 2},
		{"alice", "POST /x", time.Minute + time.Second, false, 0},
	}
	for i, st := range steps {
		ok, n := l.record(st.actor, st.route, t0.Add(st.at))
		if ok != st.ok || n != st.suppressed {
			t.Errorf("step %d (%s %s at %v): %v %d, want %v %d", i, st.actor, st.route, st.at, ok, n, st.ok, st.suppressed)
		}
	}

	var full denialLimiter
	for i := range maxDenialKeys {
		if ok, _ := full.record(fmt.Sprint("token:", i), "POST /x", t0); !ok {
			t.Fatalf("pair %d refused below the bound", i)
		}
	}
	if ok, _ := full.record("token:late", "POST /x", t0.Add(time.Second)); ok {
		t.Error("recorded past the bound within the window")
	}
	if len(full.seen) != maxDenialKeys {
		t.Errorf("%d pairs followed, want at most %d", len(full.seen), maxDenialKeys)
	}
	if ok, _ := full.record("token:late", "POST /x", t0.Add(denialWindow)); !ok || len(full.seen) != 1 {
		t.Errorf("after the window: %v with %d pairs, want expired pairs dropped and the new one recorded", ok, len(full.seen))
	}
}
