package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// storeEvent sends one event to the legacy store endpoint of project 7.
func storeEvent(t *testing.T, in *instance, event string) {
	t.Helper()
	req, err := http.NewRequest("POST", in.base+"/api/7/store/", strings.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Sentry-Auth", "Sentry sentry_version=7, sentry_key="+errorsKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("store: %d %s", resp.StatusCode, body)
	}
}

// postDownload posts form to u and decodes the JSON download into v.
func postDownload(t *testing.T, c *http.Client, u string, form url.Values, v any) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("POST %s: %d %s", u, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("POST %s: %v\n%s", u, err, body)
	}
}

// TestErrorsPrivacy: error events are part of GDPR export and erasure.
// A ward user's export holds the events that carry their email, and
// their erasure deletes them; an app end user's events are exported and
// erased by an admin on /admin/errors/people by user id, email or IP
// address (step-up first, the box ticked, audited under a digest). The
// other user's event stays, and afterwards none of the person's
// identifiers is under the data directory.
func TestErrorsPrivacy(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor+
		"errors:\n  projects:\n    - {id: \"7\", name: shop, keys: ["+errorsKey+"]}\n")
	const other = "bystander@example.net"
	users := []string{
		`{"email": "` + privEmail + `"}`, // a ward user, as the app knows them
		`{"id": "` + appUserID + `"}`,
		`{"ip_address": "` + appUserIP + `"}`,
		`{"email": "` + strings.ToUpper(appUserEmail) + `", "username": "margot"}`,
		`{"email": "` + other + `"}`,
	}
	for i, u := range users {
		storeEvent(t, in, fmt.Sprintf(`{"event_id": "%032x", "platform": "python", "environment": "production",
			"exception": {"values": [{"type": "ValueError", "value": "card declined for order %d",
			"stacktrace": {"frames": [{"module": "shop.views", "function": "checkout", "in_app": true}]}}]}, "user": %s}`, i+1, 1000+i, u))
	}
	servicetest.Eventually(t, 60*time.Second, "five events stored", func() bool {
		is, err := in.app.errors.Issues(t.Context(), apperrors.IssueFilter{Project: "7"})
		return err == nil && len(is) == 1 && is[0].Samples == 5
	})

	stepUp := func(c *http.Client) {
		t.Helper()
		if code, body := postForm(t, c, in.base+"/account/step-up", url.Values{"proof": {browserPassword}, "next": {"/privacy"}}); code != http.StatusOK {
			t.Fatalf("step-up: %d %s", code, body)
		}
	}
	person := personClient(t, in, privName, auth.RoleViewer)
	stepUp(person)
	var own struct {
		Profile     struct{ Name string }
		ErrorEvents []apperrors.Event `json:"error_events"`
	}
	postDownload(t, person, in.base+"/account/export", nil, &own)
	if own.Profile.Name != privName || len(own.ErrorEvents) != 1 || own.ErrorEvents[0].User.Email != privEmail {
		t.Fatalf("%s's export: %+v", privName, own)
	}

	// The page, on a phone: axe-core, no sideways scroll.
	phone := signInBrowser(t, in, "pia", auth.RoleAdmin, 390)
	p := browserPage{t: t, ctx: phone}
	p.open(in.base + "/admin/errors/people")
	if h := p.text("h1"); h != "App users' error events" {
		t.Errorf("/admin/errors/people heading %q", h)
	}
	servicetest.Axe(t, phone, "/admin/errors/people at 390 px")
	servicetest.NoSidewaysScroll(t, phone, "/admin/errors/people")

	// An app end user, by admin.
	admin := personClient(t, in, "ada", auth.RoleAdmin)
	ids := url.Values{"identifiers": {appUserID + "\r\n" + appUserEmail + "\n\n" + appUserIP + "\n"}}
	if code, _ := postForm(t, admin, in.base+"/admin/errors/people/export", ids); code != http.StatusForbidden {
		t.Errorf("export without step-up: %d", code)
	}
	if code, _ := postForm(t, person, in.base+"/admin/errors/people/export", ids); code != http.StatusForbidden {
		t.Errorf("a viewer exported an app user's events: %d", code)
	}
	stepUp(admin)
	if code, body := postForm(t, admin, in.base+"/admin/errors/people/export", url.Values{"identifiers": {"  \n"}}); code != http.StatusUnprocessableEntity || !strings.Contains(body, "Identifiers: give") {
		t.Errorf("no identifiers: %d; want 422 naming the field", code)
	}
	var got struct {
		ErrorEvents []apperrors.Event `json:"error_events"`
	}
	postDownload(t, admin, in.base+"/admin/errors/people/export", ids, &got)
	if len(got.ErrorEvents) != 3 {
		t.Fatalf("the app user's export: %d events, want 3: %+v", len(got.ErrorEvents), got.ErrorEvents)
	}
	for _, e := range got.ErrorEvents {
		if u := e.User; u == nil || u.Email == other || u.Email == privEmail {
			t.Errorf("the app user's export holds %+v", u)
		}
	}
	if code, _ := postForm(t, admin, in.base+"/admin/errors/people/erase", ids); code != http.StatusUnprocessableEntity {
		t.Errorf("erase without the box ticked: %d", code)
	}
	ids.Set("confirm", "yes")
	if code, body := postForm(t, admin, in.base+"/admin/errors/people/erase", ids); code != http.StatusOK || !strings.Contains(body, "3 error events erased") {
		t.Fatalf("erase: %d %s", code, body)
	}
	postDownload(t, admin, in.base+"/admin/errors/people/export", ids, &got)
	if len(got.ErrorEvents) != 0 {
		t.Errorf("after erasure the export still holds %d events", len(got.ErrorEvents))
	}
	recs, err := in.app.state.AuditQuery(audit.Query{Action: actionErrorsErase}, nil)
	if err != nil || len(recs) != 1 || recs[0].Outcome != audit.Success || recs[0].Actor != "ada" || recs[0].Details["events"] != "3" ||
		recs[0].Details["identifiers"] != "3" || !strings.HasPrefix(recs[0].Target, "app user ") {
		t.Fatalf("erase records %+v %v", recs, err)
	}
	recs, err = in.app.state.AuditQuery(audit.Query{Action: actionErrorsExport}, nil)
	if err != nil || len(recs) != 3 || recs[0].Outcome != audit.Success || recs[0].Details["events"] != "0" ||
		recs[1].Details["events"] != "3" || recs[2].Outcome != audit.Failure || recs[2].Details["reason"] != "step_up" {
		t.Fatalf("export records (newest first) %+v %v", recs, err)
	}

	// The ward user: their erasure takes the event with their email.
	if code, body := postForm(t, admin, in.base+"/admin/users/"+privName+"/erase", url.Values{"confirm_name": {privName}}); code != http.StatusOK ||
		!strings.Contains(body, "1 error events that carried their email deleted") {
		t.Fatalf("erasing %s: %d %s", privName, code, body)
	}
	is, err := in.app.errors.Issues(t.Context(), apperrors.IssueFilter{Project: "7"})
	if err != nil || len(is) != 1 || is[0].Samples != 1 || is[0].Count != 5 {
		t.Fatalf("after both erasures: %+v %v; want the bystander's sample of 5 events", is, err)
	}
	in.stop()
	grepErrorsData(t, filepath.Join(in.dir, "data"), 1, appUserID, appUserEmail, strings.ToUpper(appUserEmail), appUserIP, privEmail)
}
