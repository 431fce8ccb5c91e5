package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/slack-go/slack/slacktest"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// linkRE finds http(s) links in message text: Slack's <url|text>, HTML
// attributes and plain text all end them at one of these characters.
var linkRE = regexp.MustCompile(`https?://[^\s"'<>|\\]+`)

// messageLinks returns every http(s) link in texts.
func messageLinks(texts ...string) []string {
	var out []string
	for _, s := range texts {
		for _, l := range linkRE.FindAllString(html.UnescapeString(s), -1) {
			out = append(out, strings.TrimRight(l, ".,;:)"))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// jsonStrings collects every string in a JSON document.
func jsonStrings(v any, out *[]string) {
	switch v := v.(type) {
	case string:
		*out = append(*out, v)
	case []any:
		for _, e := range v {
			jsonStrings(e, out)
		}
	case map[string]any:
		for _, e := range v {
			jsonStrings(e, out)
		}
	}
}

// slackPosts records the text of every chat.postMessage: the form's
// values, JSON values (blocks) taken apart into their strings.
type slackPosts struct {
	mu    sync.Mutex
	texts []string
}

func (s *slackPosts) handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var texts []string
	if form, err := url.ParseQuery(string(body)); err == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		for _, vs := range form {
			for _, v := range vs {
				var doc any
				if json.Unmarshal([]byte(v), &doc) == nil {
					jsonStrings(doc, &texts)
				} else {
					texts = append(texts, v)
				}
			}
		}
	} else {
		var doc any
		_ = json.Unmarshal(body, &doc)
		jsonStrings(doc, &texts)
	}
	s.mu.Lock()
	s.texts = append(s.texts, strings.Join(texts, "\n"))
	n := len(s.texts)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ok":true,"channel":"C0ALERTS","ts":"1790000000.%06d"}`, n)
}

func (s *slackPosts) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.texts)
}

// TestNotificationLinksOpen sends real notifications, through Slack
// (slacktest) and email (an SMTP server), for a rule over a scraped
// target and for the built-in Watchdog, takes every link out of the
// messages and opens each in a signed-in browser: each must be a
// console page, and "View in ward" must show the alert.
func TestNotificationLinksOpen(t *testing.T) {
	t.Parallel()
	var slack slackPosts
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", slack.handle)
	})
	srv.Start()
	defer srv.Stop()
	mail := servicetest.SMTP(t)

	g := newGauge(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), `groups:
  - name: test
    rules:
      - alert: ValueHigh
        expr: test_value > 0
        labels: {severity: critical}
        annotations:
          summary: "value is {{ $value }}"
          runbook_url: "{{ $externalURL }}/runbooks/TargetDown"
`)
	in := startWardIn(t, dir, fastGlobal+noTwoFactor+fmt.Sprintf(`
rule_files: [rules.yml]
rules: {builtin: true}
scrape_configs:
  - job_name: gauge
    static_configs: [{targets: [%q]}]
alerting:
  route:
    receiver: team
    group_by: [alertname]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
    routes:
      # The dead man's switch is delivered only where a route names it.
      - matchers: ['alertname="Watchdog"']
        receiver: team
      - matchers: ['alertname="ValueHigh"']
        receiver: team
  receivers:
    - name: team
      slack_configs:
        - app_token: xoxb-test-token
          app_url: %q
          channel: "#alerts"
      email_configs:
        - to: oncall@example.com
          from: ward@example.com
          hello: ward.test
          smarthost: localhost:%s
          auth_username: %s
          auth_password: %q
          tls_config: {ca_file: %s}
`, g.addr(), srv.GetAPIURL(), mail.Port, servicetest.SMTPUser, servicetest.SMTPPassword, mail.CAFile))
	g.v.Store(1)

	has := func(texts []string, names ...string) bool {
		all := strings.Join(texts, "\n")
		for _, n := range names {
			if !strings.Contains(all, n) {
				return false
			}
		}
		return true
	}
	servicetest.Eventually(t, 60*time.Second, "Slack messages for ValueHigh and Watchdog", func() bool {
		return has(slack.all(), "ValueHigh", "Watchdog")
	})
	var mailTexts []string
	servicetest.Eventually(t, 60*time.Second, "emails for ValueHigh and Watchdog", func() bool {
		mailTexts = nil
		for _, m := range mail.Messages() {
			um := parseUserMail(t, m)
			mailTexts = append(mailTexts, um.subject+"\n"+um.text, um.html)
		}
		return has(mailTexts, "ValueHigh", "Watchdog")
	})

	slackLinks, mailLinks := messageLinks(slack.all()...), messageLinks(mailTexts...)
	// Each kind of link the messages carry: alerts, runbooks, and in
	// email each alert's source expression.
	kinds := []string{"/alerts", "/runbooks/TargetDown", "/runbooks/Watchdog"}
	for what, links := range map[string][]string{"Slack": slackLinks, "email": mailLinks} {
		var paths []string
		for _, l := range links {
			u, _ := url.Parse(l)
			paths = append(paths, u.Path)
		}
		want := kinds
		if what == "email" {
			want = append(kinds, "/graph")
		}
		for _, want := range want {
			if !slices.Contains(paths, want) {
				t.Errorf("%s messages carry no link to %s; links: %q", what, want, links)
			}
		}
	}
	links := append(slackLinks, mailLinks...)
	slices.Sort(links)
	links = slices.Compact(links)
	t.Logf("%d distinct links in %d Slack messages and %d emails", len(links), len(slack.all()), len(mailTexts)/2)

	p := browserPage{t, signInBrowser(t, in, "vic", auth.RoleViewer, 1100)}
	for _, l := range links {
		if !strings.HasPrefix(l, in.base+"/") || strings.Contains(strings.TrimPrefix(l, "http://"), "//") {
			t.Errorf("link %s is not a clean link into ward at %s", l, in.base)
			continue
		}
		p.open(l)
		u, _ := url.Parse(l)
		switch {
		case u.Path == "/alerts" && u.Query().Get("filter") != "":
			// "View in ward": the group's alert, and nothing else.
			f := u.Query().Get("filter")
			names := p.alertNames()
			if len(names) == 0 {
				t.Errorf("%s shows no alert", l)
			}
			for _, n := range names {
				name, _, _ := strings.Cut(n, ":")
				if !strings.Contains(f, `alertname="`+name+`"`) {
					t.Errorf("%s (filter %s) shows %s", l, f, n)
				}
			}
		case strings.HasPrefix(u.Path, "/runbooks/"):
			if h := p.text(`main h1`); h != strings.TrimPrefix(u.Path, "/runbooks/") {
				t.Errorf("%s: heading %q", l, h)
			}
		case u.Path == "/graph":
			if p.count(`main table tbody tr`) == 0 {
				t.Errorf("%s: no result rows for %q", l, u.Query().Get("g0.expr"))
			}
		}
	}

	// The explorer answers a broken expression with the parser's error
	// at its position.
	p.do("bad expression", chromedp.Navigate(in.base+"/graph?g0.expr="+url.QueryEscape("sum(")), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if st, msg := p.status(), p.text(`main`); st != http.StatusBadRequest || !strings.Contains(msg, "Syntax error at line 1, column 5: unclosed left parenthesis") {
		t.Errorf("bad expression: %d %q", st, msg)
	}
}

// TestBrowserAlertsAndSilences drives /alerts and /silences with rules
// over a real node_exporter: live firing and pending alerts, filters, a
// silence made from an alert by an operator (pre-filled, previewed,
// created, extended, expired), role checks, axe-core and 390 px.
func TestBrowserAlertsAndSilences(t *testing.T) {
	t.Parallel()
	node := servicetest.NodeExporter(t)
	hook := newWebhook(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "rules.yml"), `groups:
  - name: node test
    rules:
      - alert: NodeScraped
        expr: up{job="node"} == 1
        labels: {severity: warning}
        annotations:
          summary: "node_exporter {{ $labels.instance }} is scraped"
          runbook_url: "{{ $externalURL }}/runbooks/TargetDown"
      - alert: NodeClockKnown
        expr: node_time_seconds > 0
        labels: {severity: critical}
        annotations: {summary: "the clock reads {{ $value }}"}
      - alert: NodeBooted
        expr: node_boot_time_seconds > 0
        for: 1h
        labels: {severity: warning}
`)
	in := startWardIn(t, dir, fastGlobal+noTwoFactor+fmt.Sprintf(`
rule_files: [rules.yml]
rules: {builtin: false}
scrape_configs:
  - job_name: node
    static_configs: [{targets: [%q]}]
alerting:
  route:
    receiver: team
    group_by: [alertname, job]
    group_wait: 0s
    group_interval: 1s
  receivers:
    - name: team
      webhook_configs: [{url: %q}]
`, node, hook.srv.URL))

	op := browserPage{t, signInBrowser(t, in, "olga", auth.RoleOperator, 1100)}
	want := []string{"NodeBooted:pending", "NodeClockKnown:firing", "NodeScraped:firing"}
	servicetest.Eventually(t, 30*time.Second, "firing and pending alerts on /alerts", func() bool {
		op.open(in.base + "/alerts")
		return slices.Equal(op.alertNames(), want)
	})
	if got := op.text(`nav.tabs a[href="/alerts?state=firing"] .count`); got != "2" {
		t.Errorf("firing count %q, want 2", got)
	}
	// The rule, its current value and the runbook show with the alert.
	scraped := `li.alert:has(a[href^="/silences/new"][href*="NodeScraped"])`
	item := op.text(scraped)
	for _, s := range []string{"node test / NodeScraped", `up{job="node"} == 1`, "Value", "UTC", "ago", `instance="` + node + `"`} {
		if !strings.Contains(item, s) {
			t.Errorf("NodeScraped item lacks %q:\n%s", s, item)
		}
	}
	if n := op.count(scraped + ` a[href="/rules#rule-node-test-nodescraped"]`); n != 1 {
		t.Errorf("rule links to /rules#rule-node-test-nodescraped: %d", n)
	}
	if n := op.count(scraped + ` a[href="` + strings.TrimSuffix(in.base, "/") + `/runbooks/TargetDown"]`); n != 1 {
		t.Errorf("runbook links: %d", n)
	}
	servicetest.Axe(t, op.ctx, "alerts")
	op.screenshot("alerts")

	// Filter by matcher, through the form.
	op.do("filter", chromedp.SetValue(chromedp.CSS(`#alerts-filter`), `{alertname="NodeScraped"}`))
	op.clickNav("filter", `form.filters button`)
	if got := op.alertNames(); !slices.Equal(got, []string{"NodeScraped:firing"}) {
		t.Errorf("filtered alerts: %q", got)
	}
	op.open(in.base + "/alerts?state=pending")
	if got := op.alertNames(); !slices.Equal(got, []string{"NodeBooted:pending"}) {
		t.Errorf("pending alerts: %q", got)
	}
	// Every alert, pending ones too (they have no generator URL yet),
	// links its expression to the explorer's chart; /rules links each
	// rule's (graphs-trial).
	chartOf := func(expr string) string {
		return "/graph?" + url.Values{"g0.expr": {expr}, "range": {"1h"}, "tab": {"chart"}}.Encode()
	}
	if n := op.count(`li.alert a[href="` + chartOf("node_boot_time_seconds > 0") + `"]`); n != 1 {
		t.Errorf("pending NodeBooted: %d links to its expression's chart", n)
	}
	op.open(in.base + "/alerts")
	if n := op.count(scraped + ` a[href="` + chartOf(`up{job="node"} == 1`) + `"]`); n != 1 {
		t.Errorf("firing NodeScraped: %d links to its expression's chart", n)
	}
	op.open(in.base + "/rules")
	for _, expr := range []string{`up{job="node"} == 1`, "node_time_seconds > 0", "node_boot_time_seconds > 0"} {
		if n := op.count(`a.rule-graph[href="` + chartOf(expr) + `"]`); n != 1 {
			t.Errorf("/rules: %d graph links for %s", n, expr)
		}
	}
	// A bad filter is a 400 page naming the field.
	op.do("bad filter", chromedp.Navigate(in.base+"/alerts?filter="+url.QueryEscape(`{alertname=~"("}`)), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if st, body := op.status(), op.text(`main`); st != http.StatusBadRequest || !strings.Contains(body, "Filter:") {
		t.Errorf("bad filter: %d %q", st, body)
	}

	// Silence NodeScraped from its alert: matchers pre-filled, preview.
	op.open(in.base + "/alerts")
	op.clickNav("silence from the alert", scraped+` a.button`)
	matchers, err := chromedp.Run(op.ctx, chromedp.Value(chromedp.CSS(`#sil-matchers`)))
	if err != nil || !strings.Contains(matchers, `alertname="NodeScraped"`) || !strings.Contains(matchers, `instance="`+node+`"`) {
		t.Fatalf("pre-filled matchers %q (%v)", matchers, err)
	}
	if got := op.alertNames(); !slices.Equal(got, []string{"NodeScraped:firing"}) {
		t.Errorf("preview from the alert: %q", got)
	}
	servicetest.Axe(t, op.ctx, "new silence")
	op.screenshot("silence-new")
	op.do("comment", chromedp.SendKeys(chromedp.CSS(`#sil-comment`), "node maintenance"))
	op.clickNav("preview", `button[formaction="/silences/new"]`)
	if h := op.text(`#preview-heading`); !strings.Contains(h, "1 alert would be silenced") {
		t.Errorf("preview heading %q", h)
	}
	if c, _ := chromedp.Run(op.ctx, chromedp.Value(chromedp.CSS(`#sil-comment`))); c != "node maintenance" {
		t.Errorf("comment after preview: %q", c)
	}
	op.clickNav("create", `form[action="/silences"] button:not([formaction])`)
	if got := op.text(`main`); !strings.Contains(got, "Silence created.") {
		t.Fatalf("after creating: %q", got)
	}
	if got := op.text(`table.silences tbody`); !strings.Contains(got, "olga") || !strings.Contains(got, "node maintenance") || !strings.Contains(got, "1 alert") {
		t.Errorf("silence row: %q", got)
	}
	servicetest.Axe(t, op.ctx, "silences")
	op.screenshot("silences")
	op.open(in.base + "/alerts")
	if got := op.alertNames(); !slices.Equal(got, []string{"NodeBooted:pending", "NodeClockKnown:firing", "NodeScraped:silenced"}) {
		t.Errorf("after silencing: %q", got)
	}
	// The silence is audited as the API's are, with its author.
	auditRecords := func(action string) []audit.Record {
		t.Helper()
		recs, err := in.app.auditLog.Records(context.Background(), "test", "", audit.Query{Actor: "olga", Action: action})
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	if recs := auditRecords(audit.ActionSilenceCreate); len(recs) != 1 || recs[0].Outcome != audit.Success ||
		!strings.Contains(recs[0].Details["matchers"], `alertname="NodeScraped"`) || recs[0].Details["comment"] != "node maintenance" {
		t.Errorf("silence.create records: %+v", recs)
	}

	// Extend, then expire.
	op.open(in.base + "/silences")
	endBefore := op.text(`table.silences tbody tr td[data-label="Starts / ends"] time:last-of-type`)
	op.do("extend by", chromedp.SetValue(chromedp.CSS(`input[name="duration"]`), "3h"))
	op.clickNav("extend", `form[action$="/extend"] button`)
	if got := op.text(`main`); !strings.Contains(got, "Silence extended.") {
		t.Fatalf("after extending: %q", got)
	}
	if endAfter := op.text(`table.silences tbody tr td[data-label="Starts / ends"] time:last-of-type`); endAfter <= endBefore {
		t.Errorf("end %q after extending, was %q", endAfter, endBefore)
	}
	op.clickNav("expire", `form[action$="/expire"] button`)
	if got := op.text(`p.success`); got != "Silence expired." {
		t.Errorf("after expiring: %q", got)
	}
	if n, m := len(auditRecords(audit.ActionSilenceUpdate)), len(auditRecords(audit.ActionSilenceExpire)); n != 1 || m != 1 {
		t.Errorf("audited: %d silence.update (extend), %d silence.expire; want 1 each", n, m)
	}
	op.open(in.base + "/alerts?state=firing")
	if got := op.alertNames(); !slices.Equal(got, []string{"NodeClockKnown:firing", "NodeScraped:firing"}) {
		t.Errorf("after expiring: %q", got)
	}

	// Viewers read, and cannot silence.
	vw := browserPage{t, signInBrowser(t, in, "vera", auth.RoleViewer, 1100)}
	vw.open(in.base + "/alerts")
	if n := vw.count(`a[href^="/silences/new"]`); n != 0 {
		t.Errorf("viewer sees %d silence links", n)
	}
	vw.do("viewer's new silence", chromedp.Navigate(in.base+"/silences/new"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if st := vw.status(); st != http.StatusForbidden {
		t.Errorf("viewer's /silences/new: %d", st)
	}

	// Phones: every page fits 390 px and stays accessible.
	phone := browserPage{t, signInBrowser(t, in, "otto", auth.RoleOperator, 390)}
	for _, path := range []string{"/alerts", "/silences", "/silences/new?matchers=" + url.QueryEscape(`{alertname="NodeScraped"}`), "/runbooks/TargetDown", "/runbooks", "/graph?g0.expr=up"} {
		phone.open(in.base + path)
		servicetest.Axe(t, phone.ctx, path)
		servicetest.NoSidewaysScroll(t, phone.ctx, path)
		phone.screenshot("phone" + strings.NewReplacer("/", "-", "?", "-", "=", "-", "%", "").Replace(path))
	}
}
