package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
	"github.com/ward-monitoring/ward/storage"
)

// The person exported and erased: values distinctive enough that
// finding them in the data directory means they leaked.
const (
	privName  = "zebulon-quartz"
	privEmail = privName + "@example.com"
	privAgent = "QuartzBrowser/9.1"
)

// personClient creates a user of role and signs them in over HTTP with
// a distinctive user agent; the client keeps the session cookie.
func personClient(t *testing.T, in *instance, name string, role auth.Role) *http.Client {
	t.Helper()
	if _, err := in.app.auth.CreateUser(context.Background(), auth.Local("test"), auth.NewUser{
		Name: name, Email: name + "@example.com", Role: role, Password: browserPassword,
	}); err != nil {
		t.Fatal(err)
	}
	c := browserClient(t, privAgent)
	if code, body := postForm(t, c, in.base+"/login", url.Values{"username": {name}, "password": {browserPassword}}); code != http.StatusOK {
		t.Fatalf("sign-in: %d %s", code, body)
	}
	return c
}

// TestPrivacyExportOwnData: a person's export of their own data needs
// step-up, is audited either way, and holds their profile, session and
// audit records; another person's data is refused to a viewer.
func TestPrivacyExportOwnData(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	c := personClient(t, in, privName, auth.RoleViewer)
	personClient(t, in, "other", auth.RoleViewer)
	if code, _ := postForm(t, c, in.base+"/account/export", nil); code != http.StatusForbidden {
		t.Fatalf("export without step-up: %d", code)
	}
	if code, body := postForm(t, c, in.base+"/account/step-up", url.Values{"proof": {browserPassword}, "next": {"/privacy"}}); code != http.StatusOK {
		t.Fatalf("step-up: %d %s", code, body)
	}
	resp, err := c.PostForm(in.base+"/account/export", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	var got storage.PersonalData
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Profile.Name != privName || got.Profile.Email != privEmail || len(got.Sessions) != 1 || got.Sessions[0].UserAgent != privAgent {
		t.Fatalf("export %+v", got)
	}
	actions := map[string]bool{}
	for _, r := range got.AuditRecords {
		actions[r.Action] = true
	}
	for _, a := range []string{audit.ActionUserCreate, audit.ActionLogin, audit.ActionStepUp} {
		if !actions[a] {
			t.Errorf("export lacks the person's %s record: %v", a, actions)
		}
	}
	// Viewers export only themselves: the admin route refuses them.
	if code, _ := postForm(t, c, in.base+"/admin/users/other/export", nil); code != http.StatusForbidden {
		t.Errorf("a viewer exported another user: %d", code)
	}
	recs, err := in.app.state.AuditQuery(audit.Query{Action: audit.ActionPrivacyExport}, nil)
	if err != nil || len(recs) != 2 {
		t.Fatalf("export records %+v %v", recs, err)
	}
	if recs[0].Outcome != audit.Success || recs[0].Details["records"] != strconv.Itoa(len(got.AuditRecords)) || recs[1].Outcome != audit.Failure || recs[1].Details["reason"] != "step_up" {
		t.Fatalf("export records %+v", recs)
	}
}

// TestBrowserPrivacyErase: an admin on a 390 px phone erases a person
// (an operator with a silence of theirs) through /admin/users, whose
// actions fit the screen, and the confirmation page (axe-core on it,
// step-up, the name typed and kept when step-up is refused); the result
// page states the privacy.erase record's counts, the chain verifies, the
// audit page shows the pseudonym, the silence carries it too, and after
// ward stops the name, email and agent are nowhere in the data
// directory (alerting state included). /privacy passes axe too.
func TestBrowserPrivacyErase(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	person := personClient(t, in, privName, auth.RoleOperator)
	// A silence of theirs: its author and comment name them.
	if code, body := postForm(t, person, in.base+"/silences", url.Values{"matchers": {`{alertname="Maint"}`}, "duration": {"2h"},
		"comment": {privName + " deploys; mail " + privEmail}}); code != http.StatusOK {
		t.Fatalf("silence: %d %s", code, body)
	}
	phone := signInBrowser(t, in, "ada", auth.RoleAdmin, 390)
	p := browserPage{t: t, ctx: phone}

	p.open(in.base + "/privacy")
	servicetest.Axe(t, phone, "/privacy at 390 px")
	servicetest.NoSidewaysScroll(t, phone, "/privacy")
	if n := p.count("main .tiles .tile dl .row"); n != 16 {
		t.Errorf("/privacy lists %d why/kept rows in tiles, want 16 (8 kinds of data)", n)
	}
	if text := p.text("main"); !strings.Contains(text, "90 days after last use") || !strings.Contains(text, "180 days") {
		t.Errorf("/privacy does not state the retention in force:\n%s", text)
	}

	p.open(in.base + "/admin/users")
	servicetest.Axe(t, phone, "/admin/users at 390 px")
	servicetest.NoSidewaysScroll(t, phone, "/admin/users")
	// Every row's actions are on the screen, not behind a sideways
	// scroll of the table.
	if off := p.eval(`[...document.querySelectorAll('table.users td.actions a, table.users td.actions button')].filter(e => e.getBoundingClientRect().right > window.innerWidth).map(e => e.textContent.trim()).join(", ")`); off != "" {
		t.Errorf("/admin/users at 390 px: actions off the screen: %s", off)
	}
	p.clickNav("erase link", `a[href="/admin/users/`+privName+`/erase"]`)
	for _, want := range []string{"cannot be undone", "pseudonym", "API tokens"} {
		if !strings.Contains(p.text("main"), want) {
			t.Errorf("the confirmation does not say %q", want)
		}
	}
	servicetest.Axe(t, phone, "erase confirmation at 390 px")
	servicetest.NoSidewaysScroll(t, phone, "erase confirmation")

	// Without step-up: refused, nothing erased.
	p.do("erase without step-up",
		chromedp.SendKeys(chromedp.CSS(`#confirm-name`), privName),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users/`+privName+`/erase"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)),
	)
	if _, err := in.app.state.User(privName); err != nil {
		t.Fatalf("erased without step-up: %v", err)
	}
	if v := p.eval(`document.querySelector('#confirm-name').value`); v != privName {
		t.Errorf("the typed name was not kept after the refusal: %q", v)
	}
	p.do("step up",
		chromedp.SendKeys(chromedp.CSS(`#stepup-proof`), browserPassword),
		chromedp.Click(chromedp.CSS(`form[action="/account/step-up"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`section[aria-labelledby="stepup-heading"] p.success`)),
	)
	p.do("a wrong name is refused",
		chromedp.Clear(chromedp.CSS(`#confirm-name`)),
		chromedp.SendKeys(chromedp.CSS(`#confirm-name`), "zebulon"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users/`+privName+`/erase"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)),
	)
	if _, err := in.app.state.User(privName); err != nil {
		t.Fatalf("erased with a wrong name typed: %v", err)
	}
	if msg := p.text("p.error"); strings.Contains(msg, "confirm_name") || !strings.Contains(msg, "does not match") {
		t.Errorf("the refusal of a wrong name says %q", msg)
	}
	p.do("type the name", chromedp.Clear(chromedp.CSS(`#confirm-name`)), chromedp.SendKeys(chromedp.CSS(`#confirm-name`), privName))
	p.clickNav("erase", `form[action="/admin/users/`+privName+`/erase"] button`)
	if h := p.text("h1"); h != "Erased" {
		t.Fatalf("after erasing: %q", h)
	}
	resultText := p.text("main")
	if !strings.Contains(resultText, "erased user ") || strings.Contains(resultText, privName) {
		t.Errorf("the result page: %s", resultText)
	}
	servicetest.Axe(t, phone, "erased at 390 px")

	res, err := in.app.state.VerifyAudit(time.Now())
	if err != nil || !res.Valid {
		t.Fatalf("chain after erasure: %s %v", res, err)
	}
	recs, err := in.app.state.AuditQuery(audit.Query{Action: audit.ActionPrivacyErase}, nil)
	if err != nil || len(recs) != 2 || recs[0].Outcome != audit.Success || recs[0].Actor != "ada" || !audit.IsErased(recs[0].Target) ||
		recs[1].Outcome != audit.Failure || recs[1].Details["reason"] != "step_up" {
		t.Fatalf("erase records %+v %v", recs, err)
	}
	// The page states the record's numbers.
	d := recs[0].Details
	if d["silences"] != "1" || d["records"] == "0" {
		t.Errorf("erase record details %v", d)
	}
	for _, want := range []string{d["records"] + " audit records pseudonymised", d["rewritten"] + " other stored values rewritten",
		d["silences"] + " silences rewritten", d["sessions"] + " sessions ended", d["tokens"] + " API tokens revoked"} {
		if !strings.Contains(resultText, want) {
			t.Errorf("the result page does not say %q (the privacy.erase record's count):\n%s", want, resultText)
		}
	}
	sils, _, err := in.app.alerting.Silences(context.Background(), 0)
	if err != nil || len(sils) != 1 || sils[0].CreatedBy != recs[0].Target || strings.Contains(sils[0].Comment, privName) || strings.Contains(sils[0].Comment, privEmail) {
		t.Errorf("the silence after erasure: %+v %v", sils, err)
	}
	p.open(in.base + "/admin/audit")
	if text := p.text("main"); !strings.Contains(text, "erased user "+recs[0].Target[len(audit.ErasedPrefix):][:8]) || strings.Contains(text, privName) {
		t.Errorf("/admin/audit does not show the pseudonym:\n%s", text)
	}

	in.stop()
	grepData(t, filepath.Join(in.dir, "data"), privName, privEmail, privAgent)
}

// grepData fails for each file under dir (bbolt, TSDB, alerting state,
// the ledger) that holds any of needles.
func grepData(t *testing.T, dir string, needles ...string) {
	t.Helper()
	files := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(data, []byte(n)) {
				t.Errorf("%s holds %q", path, n)
			}
		}
		return nil
	})
	if err != nil || files < 3 {
		t.Fatalf("walked %d files: %v", files, err)
	}
}
