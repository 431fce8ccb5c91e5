package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
)

// postJSONAs posts body as JSON with a token or a session.
func postJSONAs(tb testing.TB, u, token string, cookie *http.Cookie, body string) (*http.Response, string) {
	tb.Helper()
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	return send(tb, req)
}

// stepUpSession confirms cookie's session with the password (the test
// users have no 2FA).
func stepUpSession(tb testing.TB, base string, cookie *http.Cookie) {
	tb.Helper()
	if resp, body := postForm(tb, base+"/account/step-up", url.Values{"proof": {testPassword}, "next": {"/backups"}}, cookie); resp.StatusCode != http.StatusSeeOther {
		tb.Fatalf("step-up: %d %s", resp.StatusCode, body)
	}
}

// TestBackupsRestoreAPI: the operator role, a step-up (which no API
// token has) and the stanza's name typed are all required; bad values
// are 400s naming the field; a good request is 202 with the run's
// Location; every outcome is audited.
func TestBackupsRestoreAPI(t *testing.T) {
	mem := newMemBackups(time.Now())
	s, base := startBackupsServer(t, mem)
	operatorToken := apiToken(t, s, "oncall", auth.RoleOperator)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	olga := signIn(t, s, "olga", auth.RoleOperator)
	const good = `{"stanza":"main","restore_target":"staging","confirm":"main"}`

	for _, tc := range []struct {
		name   string
		token  string
		cookie *http.Cookie
		want   int
		text   string
	}{
		{"viewer", "", viewer, 403, "role"},
		{"operator token cannot step up", operatorToken, nil, 403, "API tokens cannot start drills or restores"},
		{"operator session without step-up", "", olga, 403, "confirm with your password"},
	} {
		resp, body := postJSONAs(t, base+"/api/backups/restore/", tc.token, tc.cookie, good)
		if _, errText := apiEnvelope(t, body, nil); resp.StatusCode != tc.want || !strings.Contains(errText, tc.text) {
			t.Errorf("%s: %d %q, want %d mentioning %q", tc.name, resp.StatusCode, errText, tc.want, tc.text)
		}
	}
	if len(mem.drills) != 0 {
		t.Fatalf("a refused request reached the service: %+v", mem.drills)
	}

	stepUpSession(t, base, olga)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	for body, want := range map[string]string{
		`{"stanza":"main","restore_target":"staging"}`:                                    "400 confirm:",
		`{"stanza":"main","restore_target":"staging","confirm":"Main"}`:                   "422 confirm:",
		`{"restore_target":"staging","confirm":"main"}`:                                   "400 stanza:",
		`{"stanza":"main","time":"` + future + `","confirm":"main"}`:                      "400 time:",
		`{"stanza":"main","time":"yesterday","confirm":"main"}`:                           "400 time:",
		`{"stanza":"main","label":"../../x","confirm":"main"}`:                            "400 label:",
		`{"stanza":"main","restore_target":"a b","confirm":"main"}`:                       "400 restore_target:",
		`{"stanza":"main","confirm":"main","force":true}`:                                 "400 body: unknown key",
		`{"stanza":"main","stanza":"other","confirm":"main"}`:                             "400 body: key",
		`{"stanza":1,"confirm":"main"}`:                                                   "400 stanza: want a string",
		`{"stanza":"main","confirm":"main","label":"` + strings.Repeat("a", 20000) + `"}`: "400 body: larger",
		`{"stanza":"main","restore_target":"prod","confirm":"main"}`:                      "422 refused",
		`{"stanza":"other","confirm":"other"}`:                                            "404 stanza",
	} {
		resp, out := postJSONAs(t, base+"/api/backups/restore/", "", olga, body)
		_, errText := apiEnvelope(t, out, nil)
		if got := resp.Status[:3] + " " + errText; !strings.HasPrefix(got, want) {
			t.Errorf("%.80s: %q, want %q", body, got, want)
		}
	}
	if len(mem.drills) != 0 {
		t.Fatalf("a refused request reached the service: %+v", mem.drills)
	}

	resp, out := postJSONAs(t, base+"/api/backups/restore/", "", olga, `{"stanza":"main","restore_target":"staging","time":"2026-01-02T03:04:05Z","confirm":"main"}`)
	var got struct{ ID string }
	if apiEnvelope(t, out, &got); resp.StatusCode != 202 || got.ID == "" || resp.Header.Get("Location") != "/api/backups/runs/"+got.ID {
		t.Fatalf("restore: %d Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), out)
	}
	want := backups.DrillRequest{Stanza: "main", RestoreTarget: "staging", Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), By: "olga"}
	for body, wantErr := range map[string]string{
		`{"stanza":"main","delta":true,"confirm":"main"}`:                             "400 delta: only for a restore",
		`{"stanza":"main","restore_target":"staging","delta":"yes","confirm":"main"}`: "400 delta: want true or false",
	} {
		resp, out := postJSONAs(t, base+"/api/backups/restore/", "", olga, body)
		if _, errText := apiEnvelope(t, out, nil); !strings.HasPrefix(resp.Status[:3]+" "+errText, wantErr) {
			t.Errorf("%s: %s %q, want %q", body, resp.Status, errText, wantErr)
		}
	}
	if len(mem.drills) != 1 || mem.drills[0] != want {
		t.Errorf("service got %+v, want %+v", mem.drills, want)
	}
	// A drill: no restore target, by form.
	resp, _ = postForm(t, base+"/api/backups/restore/", url.Values{"stanza": {"main"}, "confirm": {"main"}}, olga)
	if resp.StatusCode != 202 || len(mem.drills) != 2 || mem.drills[1].RestoreTarget != "" {
		t.Errorf("drill by form: %d, service got %+v", resp.StatusCode, mem.drills)
	}
	// A delta restore, by JSON and by the form's checkbox.
	resp, _ = postJSONAs(t, base+"/api/backups/restore/", "", olga, `{"stanza":"main","restore_target":"staging","delta":true,"confirm":"main"}`)
	if resp.StatusCode != 202 || len(mem.drills) != 3 || !mem.drills[2].Delta {
		t.Errorf("delta restore: %d, service got %+v", resp.StatusCode, mem.drills)
	}
	resp, _ = postForm(t, base+"/api/backups/restore/", url.Values{"stanza": {"main"}, "restore_target": {"staging"}, "delta": {"on"}, "confirm": {"main"}}, olga)
	if resp.StatusCode != 202 || len(mem.drills) != 4 || !mem.drills[3].Delta {
		t.Errorf("delta restore by form: %d, service got %+v", resp.StatusCode, mem.drills)
	}
	kinds := map[string]int{}
	for _, r := range auditOf(t, s, audit.ActionBackupRestore) {
		if r.Outcome == audit.Success {
			kinds[r.Details["kind"]]++
		}
	}
	if kinds["drill"] != 1 || kinds["restore"] != 3 {
		t.Errorf("audited kinds of started runs: %v, want 1 drill and 3 restores", kinds)
	}

	var ok, refused int
	for _, r := range auditOf(t, s, audit.ActionBackupRestore) {
		switch r.Outcome {
		case audit.Success:
			ok++
		case audit.Failure:
			refused++
			if r.Details["reason"] == "" || r.Details["status"] == "" {
				t.Errorf("refusal without reason or status: %+v", r)
			}
		}
	}
	// Two refusals before the step-up (the viewer's is the guard's
	// access.denied), thirteen after.
	if ok != 4 || refused != 17 {
		t.Errorf("audit: %d successes (want 4), %d refusals (want 17)", ok, refused)
	}
	if len(auditOf(t, s, audit.ActionAccessDenied)) != 1 {
		t.Error("the viewer's refusal is not audited")
	}
}

// TestBackupsRestorePage: the form shows the runbook and asks for a
// step-up; posting it without one shows the form again with the reason,
// with one it goes to the run's page.
func TestBackupsRestorePage(t *testing.T) {
	mem := newMemBackups(time.Now())
	s, base := startBackupsServer(t, mem)
	olga := signIn(t, s, "olga", auth.RoleOperator)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	if resp, _ := doAs(t, "GET", base+"/backups/restore?stanza=main&kind=restore", "", viewer); resp.StatusCode != 403 {
		t.Errorf("viewer opens the restore form: %d, want 403", resp.StatusCode)
	}
	resp, body := doAs(t, "GET", base+"/backups/restore?stanza=main&kind=restore&time=2026-01-02T03:04:05Z", "", olga)
	for _, want := range []string{"pgbackrest --stanza=main --delta restore", `--target=&#34;2026-01-02 03:04:05+00&#34;`, `action="/account/step-up"`, `name="restore_target"`, `name="confirm"`} {
		if !strings.Contains(body, want) {
			t.Errorf("restore form (%d) lacks %q", resp.StatusCode, want)
		}
	}
	for q, want := range map[string]int{"stanza=main&kind=x": 400, "kind=drill": 400, "stanza=nope": 200} {
		if resp, _ := doAs(t, "GET", base+"/backups/restore?"+q, "", olga); resp.StatusCode != want {
			t.Errorf("?%s: %d, want %d", q, resp.StatusCode, want)
		}
	}
	// The configured targets are a list; the values survive a refusal
	// and the step-up's round trip (its return address carries them).
	mem.mu.Lock()
	mem.status.RestoreTargets = []string{"qa", "staging"}
	mem.mu.Unlock()
	form := url.Values{"stanza": {"main"}, "restore_target": {"staging"}, "confirm": {"main"}, "delta": {"on"}, "label": {"20260101-010101F"}}
	resp, body = postForm(t, base+"/backups/restore", form, olga)
	for _, want := range []string{`<select id="restore-target" name="restore_target" required><option value="qa">qa</option><option value="staging" selected>staging</option></select>`,
		`name="delta" checked`, `value="20260101-010101F"`, `delta=on`, `restore_target=staging`} {
		if resp.StatusCode != 403 || !strings.Contains(body, "Confirm with your password") || !strings.Contains(body, want) {
			t.Errorf("without step-up: %d, want 403 and the form again with %q", resp.StatusCode, want)
		}
	}
	_, body = doAs(t, "GET", base+"/backups/restore?stanza=main&kind=restore&restore_target=staging&delta=on&label=20260101-010101F", "", olga)
	if !strings.Contains(body, `<option value="staging" selected>`) || !strings.Contains(body, `name="delta" checked`) || !strings.Contains(body, `value="20260101-010101F"`) {
		t.Error("the form after the step-up's return lost its values")
	}
	stepUpSession(t, base, olga)
	form.Set("confirm", "mian")
	if resp, body := postForm(t, base+"/backups/restore", form, olga); resp.StatusCode != 422 || !strings.Contains(body, "Confirm: does not match") {
		t.Errorf("mistyped confirmation: %d", resp.StatusCode)
	}
	form.Set("confirm", "main")
	resp, _ = postForm(t, base+"/backups/restore", form, olga)
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "/backups/runs/") {
		t.Fatalf("restore: %d to %q, want 303 to the run", resp.StatusCode, loc)
	}
	resp, body = doAs(t, "GET", base+resp.Header.Get("Location"), "", olga)
	if resp.StatusCode != 200 || !strings.Contains(body, "data-poll") || !strings.Contains(body, "restoring") {
		t.Errorf("the running restore's page: %d, want progress and data-poll", resp.StatusCode)
	}
}
