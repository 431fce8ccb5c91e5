package app

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// scopedToken makes a token on the command line's behalf, as `ward token
// create --scope` does.
func scopedToken(tb testing.TB, in *instance, spec auth.TokenSpec) string {
	tb.Helper()
	tok, err := in.app.auth.CreateToken(context.Background(), auth.Local("cli:root"), spec)
	if err != nil {
		tb.Fatalf("creating token %s: %v", spec.Name, err)
	}
	return tok
}

var promtoolBuild struct {
	once      sync.Once
	path, out string
	err       error
}

// promtoolHTTP returns a promtool whose query commands take
// --http.config.file (Prometheus 2.43 and later): the installed one when
// it does, else one built from tools/promtool, which pins the prometheus
// module ward builds on (Debian 12 ships 2.42). The build runs once per
// test binary and is cached by Go's build cache.
func promtoolHTTP(tb testing.TB) string {
	tb.Helper()
	if p, err := exec.LookPath("promtool"); err == nil {
		if out, _ := exec.Command(p, "query", "instant", "--help").CombinedOutput(); strings.Contains(string(out), "--http.config.file") {
			return p
		}
	}
	b := &promtoolBuild
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "ward-promtool-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "promtool")
		// remove_all_sd leaves out the service discoveries (cloud SDKs):
		// a third of the build, and nothing a query needs.
		cmd := exec.Command("go", "build", "-tags", "remove_all_sd", "-o", b.path, "github.com/prometheus/prometheus/cmd/promtool")
		cmd.Dir = filepath.Join("..", "tools", "promtool")
		out, err := cmd.CombinedOutput()
		b.out, b.err = string(out), err
	})
	if b.err != nil {
		tb.Fatalf("building promtool from tools/promtool (the installed one lacks --http.config.file): %v\n%s", b.err, b.out)
	}
	return b.path
}

// httpConfig writes Prometheus' HTTP client configuration with token, as
// the tokens page tells people to.
func httpConfig(tb testing.TB, dir, name, token string) string {
	tb.Helper()
	path := filepath.Join(dir, name+"-http.yml")
	writeFile(tb, path, "authorization:\n  credentials: "+token+"\n")
	return path
}

// TestScopedTokensWithRealClients: amtool with an alerts:write token adds
// and expires a silence (reading status, alerts and silences on the way)
// but cannot query metrics; promtool queries with a metrics:read token,
// and a backup script's backups:ping token gets 403 naming the scope.
func TestScopedTokensWithRealClients(t *testing.T) {
	amtool := servicetest.LookPath(t, "amtool", "prometheus-alertmanager")
	promtool := promtoolHTTP(t)
	dir := t.TempDir()
	in := startWardIn(t, dir, "rules: {builtin: false}\n")
	writer := httpConfig(t, dir, "amtool", scopedToken(t, in, auth.TokenSpec{Name: "amtool", Role: auth.RoleOperator, Scopes: []auth.Scope{auth.ScopeAlertsWrite}}))
	reader := httpConfig(t, dir, "grafana", scopedToken(t, in, auth.TokenSpec{Name: "grafana", Role: auth.RoleViewer, Scopes: []auth.Scope{auth.ScopeMetricsRead}}))
	backup := httpConfig(t, dir, "backup", scopedToken(t, in, auth.TokenSpec{Name: "backup", Role: auth.RoleOperator, Scopes: []auth.Scope{auth.ScopeBackupsPing}}))
	// run returns the standard output, then the standard error.
	run := func(bin string, args ...string) (string, string, error) {
		t.Helper()
		var stderr strings.Builder
		cmd := exec.Command(bin, args...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		return string(out), stderr.String(), err
	}
	am := func(args ...string) string {
		t.Helper()
		out, stderr, err := run(amtool, append([]string{"--alertmanager.url=" + in.base, "--http.config.file=" + writer}, args...)...)
		if err != nil {
			t.Fatalf("amtool %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
		}
		return out
	}
	id := strings.TrimSpace(am("silence", "add", "alertname=Maintenance", "--comment=window", "--duration=1h"))
	if id == "" {
		t.Fatal("amtool silence add printed no ID")
	}
	if out := am("silence", "query", "-o", "extended"); !strings.Contains(out, id) || !strings.Contains(out, "token:amtool") {
		t.Errorf("silence query lacks %s by token:amtool:\n%s", id, out)
	}
	am("alert", "query")
	am("silence", "expire", id)
	if out := am("silence", "query"); strings.Contains(out, id) {
		t.Errorf("expired silence still listed:\n%s", out)
	}

	// Metrics: the reader queries, the others are refused with 403.
	// (Whether ward has scraped itself yet does not matter: up answers
	// 200 either way; vector(1) shows the answer is read.)
	for _, q := range []string{"up", "vector(1)"} {
		out, stderr, err := run(promtool, "query", "instant", "--http.config.file="+reader, in.base, q)
		if err != nil || q == "vector(1)" && !strings.Contains(out, "=> 1") {
			t.Errorf("promtool query %s with a metrics:read token: %v\n%s%s", q, err, out, stderr)
		}
	}
	for name, file := range map[string]string{"backups:ping": backup, "alerts:write": writer} {
		out, stderr, err := run(promtool, "query", "instant", "--http.config.file="+file, in.base, "up")
		if err == nil || !strings.Contains(stderr, "403") && !strings.Contains(stderr, "metrics:read") {
			t.Errorf("promtool with a %s token: %v\n%s%s", name, err, out, stderr)
		}
	}
	resp, err := tokenClient(strings.TrimPrefix(strings.TrimSpace(readFile(t, backup)), "authorization:\n  credentials: ")).Get(in.base + "/api/v1/query?query=up")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("backups:ping token on /api/v1/query: %d, want 403", resp.StatusCode)
	}
}

// TestTokensExpireAndFollowTheirMaker: a token stops working (401) when
// it expires, and when the user who made it is disabled, which is
// audited per token.
func TestTokensExpireAndFollowTheirMaker(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	ctx := context.Background()
	status := func(token string) int {
		t.Helper()
		resp, err := tokenClient(token).Get(in.base + "/api/v2/silences")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// Each expiring token has its series on /metrics, for
	// APITokenExpiringSoon.
	resp, err := in.client.Get(in.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `ward_api_token_expiry_timestamp_seconds{created_by="test",token="test-admin"} `) {
		t.Errorf("/metrics lacks the test-admin token's expiry")
	}
	short := scopedToken(t, in, auth.TokenSpec{Name: "short", Role: auth.RoleViewer, Expires: time.Now().Add(2 * time.Second)})
	if got := status(short); got != http.StatusOK {
		t.Fatalf("fresh token: %d", got)
	}
	servicetest.Eventually(t, 10*time.Second, "the short token expired", func() bool { return status(short) == http.StatusUnauthorized })

	// otto makes his own token (signed in, stepped up).
	svc := in.app.auth
	if _, err := svc.CreateUser(ctx, auth.Local("test"), auth.NewUser{Name: "otto", Role: auth.RoleOperator, Password: browserPassword}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Login(ctx, auth.LoginRequest{Username: "otto", Password: browserPassword, IP: "127.0.0.1", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	otto, err := svc.Authenticate(ctx, res.Token, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.StepUp(ctx, otto, browserPassword); err != nil {
		t.Fatal(err)
	}
	mine, err := svc.CreateToken(ctx, otto, auth.TokenSpec{Name: "otto-amtool", Role: auth.RoleOperator, Scopes: []auth.Scope{auth.ScopeAlertsWrite}})
	if err != nil {
		t.Fatal(err)
	}
	if got := status(mine); got != http.StatusOK {
		t.Fatalf("otto's token: %d", got)
	}
	if err := svc.SetDisabled(ctx, auth.Local("cli:root"), "otto", true); err != nil {
		t.Fatal(err)
	}
	if got := status(mine); got != http.StatusUnauthorized {
		t.Errorf("token of a disabled user: %d, want 401", got)
	}
	recs, err := in.app.auditLog.Records(ctx, "test", "", audit.Query{Action: auth.ActionTokenRevoke})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Target != "token:otto-amtool" || recs[0].Details["reason"] != auth.TokenRevokedCreatorDisabled {
		t.Errorf("revocation records %+v: want otto-amtool's, reason %s", recs, auth.TokenRevokedCreatorDisabled)
	}
}

// TestBrowserTokensPage drives /account/tokens on a 390 px phone as a
// viewer, with axe-core on each page: step up, make a scoped token (the
// role select offers nothing above viewer), see it once with its
// snippets, and revoke it after the confirmation; then an admin's view
// and the disable confirmation that lists the tokens that go.
func TestBrowserTokensPage(t *testing.T) {
	in := startWard(t, "rules: {builtin: false}\nscrape_configs: []\n"+noTwoFactor)
	ctx := signInBrowser(t, in, "vera", auth.RoleViewer, 390)
	p := browserPage{t: t, ctx: ctx}
	wide := func(what string) {
		t.Helper()
		w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		if err != nil || w > 390 {
			t.Errorf("%s is %d px wide on a 390 px phone (%v)", what, w, err)
		}
	}
	p.open(in.base + "/account")
	// Every click that loads a page goes through clickNav, which waits
	// for the new document: the old one has the same form fields.
	p.clickNav("account links to tokens", `a[href="/account/tokens"]`)
	servicetest.Axe(t, ctx, "/account/tokens at 390 px")
	wide("/account/tokens")
	if n := p.count(`#tok-role option`); n != 1 {
		t.Errorf("a viewer is offered %d roles, want 1", n)
	}
	p.do("type the password", chromedp.SendKeys(chromedp.CSS(`#stepup-proof`), browserPassword))
	p.clickNav("step up", `form[action="/account/step-up"] button`)
	p.do("fill in a token", chromedp.SendKeys(chromedp.CSS(`#tok-name`), "grafana"), chromedp.Click(chromedp.CSS(`#tok-scope-metrics-read`)))
	p.clickNav("make a token", `form[action="/account/tokens"] button`)
	token := strings.TrimSpace(p.text(`pre.token-value`))
	if !strings.HasPrefix(token, auth.APITokenPrefix) {
		t.Fatalf("shown token %q", token)
	}
	servicetest.Axe(t, ctx, "token shown once at 390 px")
	wide("the page showing the token")
	if resp, err := tokenClient(token).Get(in.base + "/api/v1/query?query=vector(1)"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("the shown token does not query: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	p.open(in.base + "/account/tokens")
	if strings.Contains(p.text(`main`), token) {
		t.Error("the token is shown again")
	}
	p.clickNav("revoke asks first", `a[href="/account/tokens/grafana/revoke"]`)
	servicetest.Axe(t, ctx, "revoke confirmation at 390 px")
	p.clickNav("revoke", `form[action="/account/tokens/grafana/revoke"] button`)
	if got := p.text(`main`); !strings.Contains(got, "grafana revoked") {
		t.Errorf("after revoking, the page says:\n%s", got)
	}
	if resp, err := tokenClient(token).Get(in.base + "/api/v1/query?query=vector(1)"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the revoked token: %v %v, want 401", resp, err)
	} else {
		resp.Body.Close()
	}

	// An admin sees every token and is asked before disabling a user
	// whose tokens would go.
	scopedToken(t, in, auth.TokenSpec{Name: "nightly", Role: auth.RoleViewer, Scopes: []auth.Scope{auth.ScopeBackupsPing}, Expires: time.Now().Add(3 * 24 * time.Hour)})
	admin := browserPage{t: t, ctx: signInBrowser(t, in, "ada", auth.RoleAdmin, 390)}
	admin.open(in.base + "/admin/tokens")
	if got := admin.text(`table.tokens`); !strings.Contains(got, "nightly") || !strings.Contains(got, "command line (cli:root)") || !strings.Contains(got, "expires in 2 days") {
		t.Errorf("admin's token list lacks nightly by the command line, expiring soon:\n%s", got)
	}
	servicetest.Axe(t, admin.ctx, "/admin/tokens at 390 px")
	admin.open(in.base + "/admin/users/vera/disable")
	servicetest.Axe(t, admin.ctx, "disable confirmation at 390 px")
}
