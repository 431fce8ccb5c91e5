package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
)

// TestErrorsList: the issues list shows each issue's facts and
// sparkline, filters by project, environment, release and status
// (naming the field it refuses), and offers actions to operators only.
func TestErrorsList(t *testing.T) {
	mem := newMemErrors(time.Now(), 3)
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	operator := signIn(t, s, "olga", auth.RoleOperator)

	resp, body := doAs(t, "GET", base+"/errors", "", viewer)
	if resp.StatusCode != 200 {
		t.Fatalf("/errors: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`href="/errors" aria-current="page">Errors`,
		`<a href="/errors/issues/iss0000">ZeroDivisionError: division by zero</a>`,
		`<span class="culprit">shop.views in checkout</span>`, "KeyError: &#39;sku-2&#39;",
		`<svg class="spark"`, `<path d="M`, "events in the last 24 hours",
		`<code>shop@2.0</code>`, "production, staging",
		`<a href="/errors/projects/1">shop</a>`,
		`<option value="shop@1.9">`, `<option value="staging">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/errors lacks %q", want)
		}
	}
	if strings.Contains(body, "/errors/issues/iss0000/status") || strings.Contains(body, ">Resolve<") {
		t.Error("a viewer sees the status buttons")
	}
	if inlineScript.MatchString(body) || inlineStyle.MatchString(body) {
		t.Error("/errors has an inline script or style")
	}

	_, body = doAs(t, "GET", base+"/errors?environment=staging", "", viewer)
	if !strings.Contains(body, "iss0000") || strings.Contains(body, "iss0001") {
		t.Error("?environment=staging: want only the issue seen in staging")
	}
	_, body = doAs(t, "GET", base+"/errors?project=1&release=shop%401.9&status=resolved&limit=20", "", viewer)
	if !strings.Contains(body, "No resolved issues match.") || !strings.Contains(body, `<input type="hidden" name="status" value="resolved">`) {
		t.Error("resolved filter: want the empty message and the status kept in the form")
	}
	last := mem.filters[len(mem.filters)-1]
	// The alerts link by the project's name (their label).
	if _, body := doAs(t, "GET", base+"/errors?project=shop&environment=production", "", viewer); !strings.Contains(body, `<option value="1" selected>shop</option>`) {
		t.Error("?project=shop: want the project chosen by its name")
	}
	if last != (apperrors.IssueFilter{Project: "1", Release: "shop@1.9", Status: apperrors.StatusResolved, Limit: 20}) {
		t.Errorf("filter passed on: %+v", last)
	}
	for q, field := range map[string]string{"project=9": "project:", "status=open": "status:", "limit=501": "limit:",
		"release=" + url.QueryEscape("a\nb"): "release:", "environment=" + strings.Repeat("e", 201): "environment:"} {
		resp, body := doAs(t, "GET", base+"/errors?"+q, "", viewer)
		if resp.StatusCode != 400 || !strings.Contains(strings.ToLower(body), field) {
			t.Errorf("/errors?%s: %d, want 400 naming %s", q, resp.StatusCode, field)
		}
	}

	_, body = doAs(t, "GET", base+"/errors", "", operator)
	for _, want := range []string{`action="/errors/issues/iss0000/status"`, `name="status" value="resolved">Resolve`, `name="status" value="ignored">Ignore`, `>Resolve<span class="visually-hidden">: ZeroDivisionError`} {
		if !strings.Contains(body, want) {
			t.Errorf("operator's /errors lacks %q", want)
		}
	}
}

// TestErrorIssueStatus: operators resolve, ignore and reopen issues,
// audited with their name and address; viewers are refused; the form
// returns only to a page below /errors.
func TestErrorIssueStatus(t *testing.T) {
	mem := newMemErrors(time.Now(), 2)
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	operator := signIn(t, s, "olga", auth.RoleOperator)

	resp, _ := postFormAs(t, base+"/errors/issues/iss0000/status", viewer, url.Values{"status": {"resolved"}})
	if resp.StatusCode != 403 || len(mem.statuses) != 0 {
		t.Fatalf("viewer's resolve: %d, %d changes; want 403 and none", resp.StatusCode, len(mem.statuses))
	}
	resp, _ = postFormAs(t, base+"/errors/issues/iss0000/status", operator, url.Values{"status": {"resolved"}, "back": {"/errors?environment=production"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/errors?changed=iss0000&environment=production&was=unresolved" {
		t.Fatalf("resolve: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if len(mem.statuses) != 1 {
		t.Fatalf("changes: %+v", mem.statuses)
	}
	c := mem.statuses[0]
	if c.ID != "iss0000" || c.St != apperrors.StatusResolved || c.Rec.Actor != "olga" || c.Rec.ActorIP == "" ||
		c.Rec.Action != actionIssueStatus || c.Rec.Target != "iss0000" || c.Rec.Details["status"] != "resolved" || c.Rec.Time.IsZero() {
		t.Errorf("the change and its record: %+v", c)
	}
	_, body := doAs(t, "GET", base+"/errors?status=resolved", "", operator)
	if !strings.Contains(body, `name="status" value="unresolved"`) || !strings.Contains(body, ">Reopen<") {
		t.Error("a resolved issue offers no Reopen")
	}
	for back, want := range map[string]string{"https://evil.example/errors": "/errors/issues/iss0001?changed=iss0001&was=unresolved", "//evil.example/errors": "/errors/issues/iss0001?changed=iss0001&was=unresolved",
		"/admin/users": "/errors/issues/iss0001?changed=iss0001&was=unresolved", "/errors/issues/iss0001?range=24h": "/errors/issues/iss0001?changed=iss0001&range=24h&was=unresolved"} {
		mem.mu.Lock()
		mem.issues[1].Status = apperrors.StatusUnresolved
		mem.mu.Unlock()
		resp, _ := postFormAs(t, base+"/errors/issues/iss0001/status", operator, url.Values{"status": {"ignored"}, "back": {back}})
		if resp.StatusCode != 303 || resp.Header.Get("Location") != want {
			t.Errorf("back=%s: %d to %q, want %s", back, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	for form, want := range map[string]int{"status=open": 400, "status=": 400} {
		v, _ := url.ParseQuery(form)
		if resp, _ := postFormAs(t, base+"/errors/issues/iss0000/status", operator, v); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", form, resp.StatusCode, want)
		}
	}
	if resp, _ := postFormAs(t, base+"/errors/issues/nope/status", operator, url.Values{"status": {"resolved"}}); resp.StatusCode != 404 {
		t.Errorf("unknown issue: %d, want 404", resp.StatusCode)
	}
	// A form posted from another site is refused like every other form.
	req, err := http.NewRequest("POST", base+"/errors/issues/iss0000/status", strings.NewReader("status=ignored"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.AddCookie(operator)
	n := len(mem.statuses)
	if resp, _ := send(t, req); resp.StatusCode != 403 || len(mem.statuses) != n {
		t.Errorf("cross-site post: %d, %d changes; want 403 and none", resp.StatusCode, len(mem.statuses)-n)
	}
}

// TestErrorIssuePage: the issue's facts, chart and table, the newest
// sample's exception chain (in-app frames open, library frames
// folded), breadcrumbs, request, tags and user, the other samples; a
// chosen sample; 404 for what does not exist; the read is audited.
func TestErrorIssuePage(t *testing.T) {
	mem := newMemErrors(time.Now(), 2)
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)

	resp, body := doAs(t, "GET", base+"/errors/issues/iss0000", "", viewer)
	if resp.StatusCode != 200 {
		t.Fatalf("issue page: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`href="/errors" aria-current="page">Errors`, "ZeroDivisionError: division by zero",
		"in <code>shop@2.0</code>", "production, staging", `role="img" aria-labelledby="issue-chart-caption"`,
		"Events in the last 24 hours, by hour", `<details class="chart-table">`,
		"Sample <code>iss0000-ev0</code>", `<li class="frame in-app">`, "shop.views in checkout at line 42",
		`<mark><code>    per_item = cart.total / cart.count</code></mark>`, `<span class="lineno">40</span>`,
		`<li class="frame library"><details><summary>2 library frames: django.core.handlers.base in _wrapped_view`,
		"Earlier in the chain (the cause, or what was being handled):</span> ValueError: bad quantity", "SELECT * FROM cart", "POST https://shop.example/checkout/",
		"[Filtered]", "browser=Firefox", "ann@example.com", `href="/errors/issues/iss0000?event=iss0000-ev1"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("issue page lacks %q", want)
		}
	}
	if strings.Contains(body, ">Resolve<") || inlineScript.MatchString(body) || inlineStyle.MatchString(body) {
		t.Error("issue page: a viewer's buttons, or an inline script or style")
	}
	if reads := dataReads(t, s, readErrorEvent); len(reads) != 1 || reads[0].Target != "iss0000-ev0" || reads[0].Actor != "victor" {
		t.Errorf("data reads: %+v", reads)
	}
	_, body = doAs(t, "GET", base+"/errors/issues/iss0000?event=iss0000-ev1&range=14d", "", viewer)
	if !strings.Contains(body, "Sample <code>iss0000-ev1</code>") || !strings.Contains(body, `href="/errors/issues/iss0000?range=14d&amp;event=iss0000-ev0"`) ||
		!strings.Contains(body, "Events in the last 14 days, by day (UTC)") {
		t.Error("?event=iss0000-ev1&range=14d: want that sample, the other listed, the daily chart")
	}
	for path, want := range map[string]int{
		"/errors/issues/nope": 404, "/errors/issues/iss0000?event=iss0001-ev0": 404, "/errors/issues/iss0000?event=gone": 404,
		"/errors/issues/iss0000?range=2y": 400, "/errors/issues/iss0000?event=%3Cx%3E": 400, "/errors/projects/9": 404,
	} {
		if resp, _ := doAs(t, "GET", base+path, "", viewer); resp.StatusCode != want {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}

// TestErrorIssueChart: counts land in their hour or day; a slot with
// events is never drawn empty.
func TestErrorIssueChart(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 30, 0, 0, time.UTC)
	start, end := chartWindow("24h", now)
	if want := time.Date(2026, 3, 13, 16, 0, 0, 0, time.UTC); !start.Equal(want) || !end.Equal(now.Truncate(time.Hour).Add(time.Hour)) {
		t.Fatalf("24h window %s–%s", start, end)
	}
	c := newIssueChart([]apperrors.Count{{Start: start, N: 1000}, {Start: now.Truncate(time.Hour), N: 1}, {Start: start.Add(-time.Hour), N: 7}}, "24h", start)
	if c.Total != 1001 || c.Peak != 1000 || c.Bars[0].H != "100" || c.Bars[23].H != "1" || c.Bars[23].Y != "99" || c.Bars[1].H != "0" {
		t.Errorf("chart: total %d peak %d, bars %+v %+v", c.Total, c.Peak, c.Bars[0], c.Bars[23])
	}
	ds, _ := chartWindow("14d", now)
	if want := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); !ds.Equal(want) {
		t.Errorf("14d window starts %s, want %s", ds, want)
	}
}

// TestErrorsProjectPage: the DSN, the Django snippet and the key
// rotation note.
func TestErrorsProjectPage(t *testing.T) {
	mem := newMemErrors(time.Now(), 2)
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	resp, body := doAs(t, "GET", base+"/errors/projects/1", "", viewer)
	if resp.StatusCode != 200 {
		t.Fatalf("project page: %d", resp.StatusCode)
	}
	dsn := "http://0123456789abcdef0123456789abcdef@ward.example:9740/1"
	for _, want := range []string{
		`<pre class="wrap copyable" id="dsn">` + dsn + `</pre>`,
		`dsn=&#34;` + dsn + `&#34;,`, "integrations=[DjangoIntegration()]", "from sentry_sdk.integrations.django import DjangoIntegration",
		"environment=os.environ.get(", "release=os.environ.get(", "Add a new key <strong>first</strong>", "<code>shop@2.0</code>",
		`data-copy="dsn" hidden`, "/static/errors.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("project page lacks %q", want)
		}
	}
}

// TestErrorsWithoutTracker: with no error tracking the list explains
// how to connect an app, the others are 404 and the overview has no
// errors section; with projects but no issues, the list links to them.
func TestErrorsWithoutTracker(t *testing.T) {
	s, base := startErrorsServer(t, nil)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	resp, body := doAs(t, "GET", base+"/errors", "", viewer)
	if resp.StatusCode != 200 || !strings.Contains(body, "Connect your app") || !strings.Contains(body, "errors:") {
		t.Errorf("/errors without tracking: %d", resp.StatusCode)
	}
	for _, path := range []string{"/errors/issues/iss0000", "/errors/projects/1"} {
		if resp, _ := doAs(t, "GET", base+path, "", viewer); resp.StatusCode != 404 {
			t.Errorf("%s without tracking: %d, want 404", path, resp.StatusCode)
		}
	}
	if _, body := doAs(t, "GET", base+"/", "", viewer); strings.Contains(body, "New errors since the last deploy") {
		t.Error("the overview shows errors without error tracking")
	}

	mem := newMemErrors(time.Now(), 2)
	mem.issues = nil
	s, base = startErrorsServer(t, mem)
	viewer = signIn(t, s, "victor", auth.RoleViewer)
	_, body = doAs(t, "GET", base+"/errors", "", viewer)
	if !strings.Contains(body, "No errors yet") || !strings.Contains(body, `href="/errors/projects/1"`) {
		t.Error("/errors with no issues: want the connect hint with the project's link")
	}
}

// TestErrorsOverview: the overview names the issues first seen in each
// project's newest release and links to the list of that release; it
// hides the section when there are no projects.
func TestErrorsOverview(t *testing.T) {
	mem := newMemErrors(time.Now(), 3)
	s, base := startErrorsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	_, body := doAs(t, "GET", base+"/", "", viewer)
	for _, want := range []string{"New errors since the last deploy", `id="tile-errors-1-0"`, "1 new issue",
		`<a href="/errors/issues/iss0000">ZeroDivisionError: division by zero</a>`, `href="/errors?environment=production&amp;project=1&amp;release=shop%402.0"`, "Release <code>shop@2.0</code>"} {
		if !strings.Contains(body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if strings.Contains(body, "sku-1") {
		t.Error("the overview names an issue of an older release")
	}
	mem.mu.Lock()
	mem.projects = nil
	mem.mu.Unlock()
	if _, body := doAs(t, "GET", base+"/", "", viewer); strings.Contains(body, "New errors since the last deploy") {
		t.Error("the overview shows errors with no projects")
	}
}
