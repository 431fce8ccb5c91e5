package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// alertsJSON returns n alerts named by name(i), each with an annotation
// of pad bytes.
func alertsJSON(n, pad int, name func(i int) string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"labels":{"alertname":%q,"instance":"host-%d:9100","empty":""},"annotations":{"description":%q}}`,
			name(i), i, strings.Repeat("d", pad))
	}
	b.WriteByte(']')
	return b.String()
}

func named(n string) func(int) string { return func(int) string { return n } }

// alertCount returns how many alerts Alertmanager's API lists.
func alertCount(tb testing.TB, base, token string) int {
	tb.Helper()
	resp, body := doAs(tb, "GET", base+"/api/v2/alerts", token, nil)
	var alerts []json.RawMessage
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &alerts) != nil {
		tb.Fatalf("listing alerts: %d %s", resp.StatusCode, body)
	}
	return len(alerts)
}

// TestPostAlertsBounded: a post is bounded in bytes (413) and in alerts
// (400), refused whole, audited, and ward stays up. Before, an 82 MB
// post of 300,000 alerts took ward down.
func TestPostAlertsBounded(t *testing.T) {
	s, base := startServer(t, discardLogger())
	operator := apiToken(t, s, "prometheus", auth.RoleOperator)
	for _, tc := range []struct {
		name, body string
		status     int
		reason     string
		count      string
	}{
		{"6 MB", alertsJSON(1000, 6000, named("Big")), http.StatusRequestEntityTooLarge, "request body larger than 5242880 bytes", ""},
		{"1,001 alerts", alertsJSON(maxAlertsPerPost+1, 0, named("Many")), http.StatusBadRequest, "more than 1000 alerts in one post", ">1000"},
		{"trailing data", alertsJSON(1, 0, named("Trailing")) + `[{"labels":{"alertname":"Hidden"}}]`, http.StatusBadRequest, "unexpected data after the array", ""},
		{"not an array", `{"labels":{"alertname":"One"}}`, http.StatusBadRequest, "want a JSON array of alerts", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := post(t, base+"/api/v2/alerts", operator, "application/json", tc.body)
			var msg string
			if resp.StatusCode != tc.status || json.Unmarshal([]byte(body), &msg) != nil || !strings.Contains(msg, tc.reason) {
				t.Errorf("%d %.200s, want %d saying %q", resp.StatusCode, body, tc.status, tc.reason)
			}
			if resp, _ := doAs(t, "GET", base+"/-/healthy", "", nil); resp.StatusCode != http.StatusOK {
				t.Fatalf("ward unhealthy after the post: %d", resp.StatusCode)
			}
			if n := alertCount(t, base, operator); n != 0 {
				t.Errorf("%d alerts stored from a refused post", n)
			}
			recs := auditRecords(t, s, audit.ActionAlertPost)
			if len(recs) == 0 {
				t.Fatal("refused post not audited")
			}
			r := recs[0]
			if r.Actor != "token:prometheus" || r.Outcome != audit.Failure || r.Details["status"] != strconv.Itoa(tc.status) ||
				!strings.Contains(r.Details["reason"], tc.reason) || r.Details["count"] != tc.count {
				t.Errorf("record %+v", r)
			}
		})
	}
	// A post within the bounds still works.
	if resp, body := post(t, base+"/api/v2/alerts", operator, "application/json", alertsJSON(maxAlertsPerPost, 100, named("Fine"))); resp.StatusCode != http.StatusOK {
		t.Fatalf("1,000 alerts: %d %s", resp.StatusCode, body)
	}
	if n := alertCount(t, base, operator); n != maxAlertsPerPost {
		t.Errorf("%d alerts stored, want %d", n, maxAlertsPerPost)
	}
}

// TestPostAlertsAudited: each post leaves a record of how many alerts it
// carried and their alertnames.
func TestPostAlertsAudited(t *testing.T) {
	s, base := startServer(t, discardLogger())
	operator := apiToken(t, s, "prometheus", auth.RoleOperator)
	body := alertsJSON(3, 10, func(i int) string { return []string{"DiskFull", "BackupFailed", "DiskFull"}[i] })
	if resp, out := post(t, base+"/api/v2/alerts", operator, "application/json", body); resp.StatusCode != http.StatusOK {
		t.Fatalf("post: %d %s", resp.StatusCode, out)
	}
	if n := alertCount(t, base, operator); n != 3 {
		t.Errorf("%d alerts stored, want 3", n)
	}
	recs := auditRecords(t, s, audit.ActionAlertPost)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	r := recs[0]
	want := map[string]string{"count": "3", "alertnames": "BackupFailed,DiskFull", "clipped": "false", "status": "200"}
	for k, v := range want {
		if r.Details[k] != v {
			t.Errorf("details[%s] = %q, want %q (record %+v)", k, r.Details[k], v, r)
		}
	}
	if r.Actor != "token:prometheus" || r.Outcome != audit.Success {
		t.Errorf("record %+v", r)
	}

	// Many names: the record lists what fits and says it is clipped.
	body = alertsJSON(100, 0, func(i int) string { return fmt.Sprintf("Alert%03d", i) })
	if resp, out := post(t, base+"/api/v2/alerts", operator, "application/json", body); resp.StatusCode != http.StatusOK {
		t.Fatalf("post: %d %s", resp.StatusCode, out)
	}
	r = lastRecord(t, s, audit.ActionAlertPost)
	if r.Details["count"] != "100" || r.Details["clipped"] != "true" || len(r.Details["alertnames"]) > maxAuditedNames || !strings.HasPrefix(r.Details["alertnames"], "Alert000,Alert001,") {
		t.Errorf("record of 100 alertnames: %+v", r.Details)
	}
}

// TestPostAlertsStoreFull: once ward holds its limit of alerts, a post
// of new ones is refused with 429 and a reason; updates of held alerts
// still pass.
func TestPostAlertsStoreFull(t *testing.T) {
	s, base := startServer(t, discardLogger())
	operator := apiToken(t, s, "prometheus", auth.RoleOperator)
	limits := alerting.DefaultLimits()
	for p := range limits.MaxAlerts / maxAlertsPerPost {
		body := alertsJSON(maxAlertsPerPost, 0, named(fmt.Sprintf("Fill%d", p)))
		if resp, out := post(t, base+"/api/v2/alerts", operator, "application/json", body); resp.StatusCode != http.StatusOK {
			t.Fatalf("post %d: %d %s", p, resp.StatusCode, out)
		}
	}
	resp, body := post(t, base+"/api/v2/alerts", operator, "application/json", alertsJSON(1, 0, named("OneMore")))
	var msg string
	want := fmt.Sprintf("ward holds %d alerts and this post adds 1 new ones; the limit is %d alerts", limits.MaxAlerts, limits.MaxAlerts)
	if resp.StatusCode != http.StatusTooManyRequests || json.Unmarshal([]byte(body), &msg) != nil || !strings.Contains(msg, want) {
		t.Errorf("post into a full store: %d %s, want 429 saying %q", resp.StatusCode, body, want)
	}
	r := lastRecord(t, s, audit.ActionAlertPost)
	if r.Outcome != audit.Failure || r.Details["status"] != "429" || !strings.Contains(r.Details["reason"], "alert limit reached") || r.Details["alertnames"] != "OneMore" {
		t.Errorf("record %+v", r)
	}
	// Prometheus re-sends firing alerts on every evaluation: held ones
	// take no new place.
	again := alertsJSON(maxAlertsPerPost, 0, named("Fill0"))
	if resp, out := post(t, base+"/api/v2/alerts", operator, "application/json", again); resp.StatusCode != http.StatusOK {
		t.Errorf("re-sending held alerts: %d %s", resp.StatusCode, out)
	}
}
