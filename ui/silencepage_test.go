package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
)

// postFormAs posts form with a session cookie.
func postFormAs(tb testing.TB, u string, cookie *http.Cookie, form url.Values) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(cookie)
	return send(tb, req)
}

// TestSilenceFormsAudited: the console's silence forms create, extend
// and expire silences as the signed-in user, refuse bad input with a
// page naming the field, and audit every outcome like the API.
func TestSilenceFormsAudited(t *testing.T) {
	s, base := startServer(t, discardLogger())
	op := signIn(t, s, "olivia", auth.RoleOperator)
	form := url.Values{"matchers": {`{alertname="Backup"}`}, "duration": {"2h"}, "comment": {"restore test"}}

	bad := url.Values{"matchers": form["matchers"], "duration": form["duration"]}
	resp, body := postFormAs(t, base+"/silences", op, bad)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Comment: required") || !strings.Contains(body, `value="{alertname=&#34;Backup&#34;}"`) {
		t.Errorf("no comment: %d, want 400 naming the field and keeping the matchers:\n%s", resp.StatusCode, body)
	}
	if recs := auditRecords(t, s, audit.ActionSilenceCreate); len(recs) != 1 || recs[0].Outcome != audit.Failure || recs[0].Actor != "olivia" {
		t.Fatalf("refusal records %+v", recs)
	}

	resp, _ = postFormAs(t, base+"/silences", op, form)
	loc := resp.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/silences?done=created#silence-")
	if resp.StatusCode != http.StatusSeeOther || !ok {
		t.Fatalf("create: %d to %q", resp.StatusCode, loc)
	}
	recs := auditRecords(t, s, audit.ActionSilenceCreate)
	if r := recs[0]; r.Outcome != audit.Success || r.Actor != "olivia" || r.Target != id || r.Details["matchers"] != `{alertname="Backup"}` || r.Details["comment"] != "restore test" {
		t.Errorf("create record %+v", r)
	}
	sil, found := s.deps.Alerting.Silence(context.Background(), id)
	if !found || sil.CreatedBy != "olivia" || sil.State != "active" {
		t.Fatalf("silence %+v (found %v)", sil, found)
	}

	// The list shows it, with its author, to a viewer without actions.
	viewer := signIn(t, s, "vic", auth.RoleViewer)
	resp, body = doAs(t, "GET", base+"/silences", "", viewer)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="silence-`+id+`"`) || !strings.Contains(body, "olivia") || strings.Contains(body, "/expire") {
		t.Errorf("viewer's list: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := postFormAs(t, base+"/silences/"+id+"/expire", viewer, nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("viewer's expire: %d, want 403", resp.StatusCode)
	}

	resp, body = postFormAs(t, base+"/silences/"+id+"/extend", op, url.Values{"duration": {"40d"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Duration: at most 31d") {
		t.Errorf("extend by 40d: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = postFormAs(t, base+"/silences/"+id+"/extend", op, url.Values{"duration": {"1h"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("extend by 1h: %d", resp.StatusCode)
	}
	if after, _ := s.deps.Alerting.Silence(context.Background(), id); after.EndsAt.Sub(sil.EndsAt).Round(time.Minute) != 60*time.Minute {
		t.Errorf("extended from %s to %s, want an hour more", sil.EndsAt, after.EndsAt)
	}
	updates := auditRecords(t, s, audit.ActionSilenceUpdate)
	if len(updates) != 2 || updates[0].Outcome != audit.Success || updates[1].Outcome != audit.Failure || updates[0].Target != id {
		t.Errorf("update records %+v", updates)
	}

	resp, _ = postFormAs(t, base+"/silences/not-a-uuid/expire", op, nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("expire a bad ID: %d", resp.StatusCode)
	}
	resp, _ = postFormAs(t, base+"/silences/"+id+"/expire", op, nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Errorf("expire: %d", resp.StatusCode)
	}
	expires := auditRecords(t, s, audit.ActionSilenceExpire)
	if len(expires) != 2 || expires[0].Outcome != audit.Success || expires[0].Target != id || expires[1].Outcome != audit.Failure {
		t.Errorf("expire records %+v", expires)
	}
	if after, _ := s.deps.Alerting.Silence(context.Background(), id); after.State != "expired" {
		t.Errorf("after expiring: %s", after.State)
	}
	resp, body = postFormAs(t, base+"/silences/"+id+"/extend", op, url.Values{"duration": {"1h"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "create a new one") {
		t.Errorf("extend an expired silence: %d\n%s", resp.StatusCode, body)
	}
}
