package ui

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/ratelimit"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/storage"
)

// TestPings: Healthchecks' URLs, methods and answers; the body cut at
// MaxPingBody; unknown and malformed tokens alike are 404 "not found".
func TestPings(t *testing.T) {
	mem := newMemBackups(time.Now())
	_, base := startBackupsServer(t, mem)
	for _, tc := range []struct {
		method, path string
		body         string
		kind         backups.PingKind
		exit         int
		rid          string
	}{
		{"GET", "/ping/tok-media", "", backups.PingSuccess, 0, ""},
		{"HEAD", "/ping/tok-media", "", backups.PingSuccess, 0, ""},
		{"POST", "/ping/tok-media/start?rid=5f0c9a52-6bb4-4a4e-9d41-0f1a2b3c4d5e", "", backups.PingStart, 0, "5f0c9a52-6bb4-4a4e-9d41-0f1a2b3c4d5e"},
		{"POST", "/ping/tok-media/fail", "disk full", backups.PingFail, 0, ""},
		{"POST", "/ping/tok-media/log", "half way", backups.PingLog, 0, ""},
		{"POST", "/ping/tok-media/0", "bytes=1234\n", backups.PingExit, 0, ""},
		{"GET", "/ping/tok-media/255", "", backups.PingExit, 255, ""},
	} {
		req, _ := http.NewRequest(tc.method, base+tc.path, strings.NewReader(tc.body))
		resp, body := send(t, req)
		wantBody := "OK"
		if tc.method == "HEAD" {
			wantBody = ""
		}
		if resp.StatusCode != 200 || body != wantBody {
			t.Errorf("%s %s: %d %q, want 200 %q", tc.method, tc.path, resp.StatusCode, body, wantBody)
			continue
		}
		p := mem.lastPing()
		if p.Token != "tok-media" || p.Kind != tc.kind || p.Exit != tc.exit || p.RID != tc.rid || string(p.Body) != tc.body || p.At.IsZero() {
			t.Errorf("%s %s: service got %+v", tc.method, tc.path, p)
		}
	}
	// Longer bodies are cut, as Healthchecks cuts them.
	big := strings.Repeat("y", backups.MaxPingBody) + "CUT"
	req, _ := http.NewRequest("POST", base+"/ping/tok-media/0", strings.NewReader(big))
	if resp, _ := send(t, req); resp.StatusCode != 200 || len(mem.lastPing().Body) != backups.MaxPingBody {
		t.Errorf("long body: %d, kept %d bytes, want 200 and %d", resp.StatusCode, len(mem.lastPing().Body), backups.MaxPingBody)
	}
	n := len(mem.pings)
	for _, path := range []string{"/ping/unknown", "/ping/unknown/start", "/ping/tok-media/256", "/ping/tok-media/-1", "/ping/tok-media/01",
		"/ping/tok-media/stop", "/ping/tok%24media", "/ping/" + strings.Repeat("a", 129)} {
		resp, body := doAs(t, "POST", base+path, "", nil)
		if resp.StatusCode != 404 || body != "not found" {
			t.Errorf("POST %s: %d %q, want 404 \"not found\"", path, resp.StatusCode, body)
		}
	}
	if resp, _ := doAs(t, "GET", base+"/ping/tok-media?rid="+strings.Repeat("a", 65), "", nil); resp.StatusCode != 400 {
		t.Errorf("long rid: %d, want 400", resp.StatusCode)
	}
	if len(mem.pings) != n {
		t.Errorf("refused pings reached the service")
	}
}

// TestPingLimits: pingsPerToken per known token and pingsPerIP per
// address across known tokens per minute, then 429 with Retry-After;
// unknown tokens only junkPingsPerIP; counted in ward_backup_pings_total.
func TestPingLimits(t *testing.T) {
	mem := newMemBackups(time.Now())
	tokens := pingsPerIP/pingsPerToken + 1
	for i := range tokens {
		mem.tokens["tok-"+strconv.Itoa(i)] = "job-" + strconv.Itoa(i)
	}
	s, base := startBackupsServer(t, mem)
	for i := range pingsPerToken {
		if resp, _ := doAs(t, "GET", base+"/ping/tok-media", "", nil); resp.StatusCode != 200 {
			t.Fatalf("ping %d: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := doAs(t, "GET", base+"/ping/tok-media", "", nil)
	retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || retry < 1 || retry > 61 {
		t.Fatalf("ping over the token's limit: %d %q Retry-After %q", resp.StatusCode, body, resp.Header.Get("Retry-After"))
	}
	// Other known tokens from the same address go on, up to the
	// address's limit.
	sent := pingsPerToken + 1
	for i := 0; sent < pingsPerIP; i++ {
		tok := "tok-" + strconv.Itoa(i/pingsPerToken)
		if resp, _ := doAs(t, "GET", base+"/ping/"+tok, "", nil); resp.StatusCode != 200 {
			t.Fatalf("ping %d, of %s: %d, want 200", sent+1, tok, resp.StatusCode)
		}
		sent++
	}
	if resp, _ := doAs(t, "GET", base+"/ping/tok-"+strconv.Itoa(tokens-1), "", nil); resp.StatusCode != 429 {
		t.Errorf("ping over the address's limit: %d, want 429", resp.StatusCode)
	}
	// Junk has its own, smaller, budget.
	for i := range junkPingsPerIP {
		if resp, _ := doAs(t, "GET", base+"/ping/unknown-"+strconv.Itoa(i), "", nil); resp.StatusCode != 404 {
			t.Fatalf("unknown token %d: %d, want 404", i+1, resp.StatusCode)
		}
	}
	if resp, _ := doAs(t, "GET", base+"/ping/unknown-x", "", nil); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("unknown token over the junk limit: %d, want 429 with Retry-After", resp.StatusCode)
	}
	viewer := apiToken(t, s, "prometheus", auth.RoleViewer)
	_, metrics := doAs(t, "GET", base+"/metrics", viewer, nil)
	for _, want := range []string{
		`ward_backup_pings_total{outcome="ok"} ` + strconv.Itoa(pingsPerIP-1),
		`ward_backup_pings_total{outcome="rate_limited"} 3`,
		`ward_backup_pings_total{outcome="not_found"} ` + strconv.Itoa(junkPingsPerIP),
	} {
		if !strings.Contains(metrics, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestPingJunkSharedAddress is the attack's reproduction: 600 pings of
// invented tokens from the address a real job shares (everyone's, behind
// a proxy without trusted_proxies) must not get the job's ping a 429.
func TestPingJunkSharedAddress(t *testing.T) {
	mem := newMemBackups(time.Now())
	_, base := startBackupsServer(t, mem)
	limited := 0
	for i := range 600 {
		resp, _ := doAs(t, "GET", base+"/ping/junk"+strconv.Itoa(i), "", nil)
		switch resp.StatusCode {
		case 404:
		case 429:
			limited++
		default:
			t.Fatalf("junk ping %d: %d, want 404 or 429", i+1, resp.StatusCode)
		}
	}
	if limited != 600-junkPingsPerIP {
		t.Errorf("junk pings limited: %d, want %d", limited, 600-junkPingsPerIP)
	}
	for _, path := range []string{"/ping/tok-media/start", "/ping/tok-media"} {
		if resp, body := doAs(t, "POST", base+path, "", nil); resp.StatusCode != 200 {
			t.Errorf("real token after junk: POST %s: %d %q, want 200", path, resp.StatusCode, body)
		}
	}
}

func TestPingAddrKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7": "192.0.2.7", "2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "2001:db8:1:2:ffff::1": "2001:db8:1:2::/64", "junk": "junk",
	} {
		if got := ratelimit.AddrKey(in); got != want {
			t.Errorf("AddrKey(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPingTokenNotLogged: the request log (debug level) names a ping's
// path without its token, for every action.
func TestPingTokenNotLogged(t *testing.T) {
	var logs syncBuffer
	mem := newMemBackups(time.Now())
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	_, base := startServerEdit(t, logger, testAuthConfig(), func(d *Deps, _ *storage.State) {
		d.Backups = mem
		d.Registerer = registererOf(t, d)
	})
	for _, path := range []string{"/ping/tok-media", "/ping/tok-media/start", "/ping/tok-media/0", "/ping/secret-unknown/fail"} {
		if resp, _ := doAs(t, "POST", base+path, "", nil); resp.StatusCode != 200 && resp.StatusCode != 404 {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
	}
	got := logs.String()
	if strings.Contains(got, "tok-media") || strings.Contains(got, "secret-unknown") {
		t.Errorf("the log holds a ping token:\n%s", got)
	}
	for _, want := range []string{"path=/ping/<token> ", "path=/ping/<token>/start ", "path=/ping/<token>/0 ", "path=/ping/<token>/fail "} {
		if !strings.Contains(got, want) {
			t.Errorf("the log lacks %q:\n%s", want, got)
		}
	}
}
