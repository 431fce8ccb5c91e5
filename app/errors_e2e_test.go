package app

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack/slacktest"

	"github.com/ward-monitoring/ward/apperrors"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// sdkPython is Debian's python3 with python3-sentry-sdk
// (scripts/install-test-deps.sh installs it), not a pyenv python on
// PATH, which lacks the package.
const sdkPython = "/usr/bin/python3"

// Secrets the SDK script plants in every event: a cookie, an
// Authorization header, a password in the request's form data and an
// api_key in extra. Distinctive, so finding one under the data directory
// means it leaked.
const (
	plantCookie   = "cookieplant7c1e9d"
	plantAuth     = "authplant4b8f20"
	plantPassword = "pwplant93ad5e"
	plantAPIKey   = "keyplant0f6b3c"
)

// errorsScript raises the same ValueError from the same stack with a
// different message each time (five events), then one KeyError from
// another function; every event carries the app user's identity and the
// planted secrets, added in before_send so the SDK cannot scrub them:
// ward must. argv: dsn, then the app user's id, email and address; the
// secrets come from the environment, as an app's do (not from the
// source, which the frames' context lines carry as it is written).
const errorsScript = `
import os
import sys
import sentry_sdk

def before_send(event, hint):
    event["request"] = {
        "method": "POST",
        "url": "https://shop.example.com/checkout/",
        "headers": {"Cookie": "sessionid=" + os.environ["PLANT_COOKIE"], "Authorization": "Bearer " + os.environ["PLANT_AUTH"], "User-Agent": "pytest"},
        "cookies": {"sessionid": os.environ["PLANT_COOKIE"]},
        "data": {"password": os.environ["PLANT_PASSWORD"], "item": "book"},
    }
    return event

sentry_sdk.init(dsn=sys.argv[1], release="shop@2.0.0", environment="production",
                default_integrations=False, before_send=before_send)
sentry_sdk.set_user({"id": sys.argv[2], "email": sys.argv[3], "ip_address": sys.argv[4]})
sentry_sdk.set_extra("api_key", os.environ["PLANT_API_KEY"])

def charge(order):
    raise ValueError("card declined for order %d" % order)

def checkout(order):
    charge(order)

def basket():
    return {}["coupon"]

for order in range(1000, 1005):
    try:
        checkout(order)
    except ValueError:
        sentry_sdk.capture_exception()
try:
    basket()
except KeyError:
    sentry_sdk.capture_exception()
sentry_sdk.flush(timeout=30)
`

// The app's end user the events name (issue 16's GDPR part).
const (
	appUserID    = "u-58213"
	appUserEmail = "margot.end-user@example.org"
	appUserIP    = "203.0.113.77"
)

// runErrorsSDK runs errorsScript with the real Python sentry-sdk.
func runErrorsSDK(t *testing.T, dsn string) {
	t.Helper()
	if _, err := os.Stat(sdkPython); err != nil {
		t.Fatalf("%s: %v (run scripts/install-test-deps.sh: python3-sentry-sdk)", sdkPython, err)
	}
	script := filepath.Join(t.TempDir(), "shop.py")
	if err := os.WriteFile(script, []byte(errorsScript), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, sdkPython, script, dsn, appUserID, appUserEmail, appUserIP)
	// No user site-packages or PYTHON* settings: Debian's own package.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "PYTHONNOUSERSITE=1",
		"PLANT_COOKIE=" + plantCookie, "PLANT_AUTH=" + plantAuth, "PLANT_PASSWORD=" + plantPassword, "PLANT_API_KEY=" + plantAPIKey}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python sentry_sdk: %v\n%s", err, out)
	}
}

const errorsKey = "5f0c2a8e9b1d47c3a6e0f9b2d8c4a1e7"

// errorsConfig is a ward with one project, the built-in rules and
// NewErrorIssue routed to Slack (slackURL), one message per issue.
func errorsConfig(slackURL string) string {
	return fastGlobal + noTwoFactor + fmt.Sprintf(`
rules: {builtin: true}
errors:
  projects:
    - {id: "7", name: shop, keys: [%s]}
alerting:
  route:
    receiver: nobody
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
    routes:
      - matchers: ['alertname="NewErrorIssue"']
        receiver: team
        group_by: [alertname, issue]
  receivers:
    - name: nobody
    - name: team
      slack_configs:
        - app_token: xoxb-test-token
          app_url: %q
          channel: "#errors"
`, errorsKey, slackURL)
}

// TestErrorsEndToEnd: the real Python sentry-sdk sends a Django-like
// shop's errors to a running ward. Five ValueErrors from one stack with
// different messages make one issue, a KeyError another, with exact
// counts; the planted secrets are in no file under the data directory
// (gzip payloads opened, bbolt and the TSDB read raw); NewErrorIssue
// fires for both (production) and reaches Slack with a link to each
// issue's page, which opens, signed in, with the issue's title.
func TestErrorsEndToEnd(t *testing.T) {
	var slack slackPosts
	srv := slacktest.NewTestServer(func(c slacktest.Customize) {
		c.Handle("/chat.postMessage", slack.handle)
	})
	srv.Start()
	defer srv.Stop()
	in := startWard(t, errorsConfig(srv.GetAPIURL()))

	u, _ := url.Parse(in.base)
	runErrorsSDK(t, "http://"+errorsKey+"@"+u.Host+"/7")

	// Accepted means queued: wait until all six are processed.
	var issues []apperrors.Issue
	servicetest.Eventually(t, 60*time.Second, "six events in the issues", func() bool {
		var err error
		issues, err = in.app.errors.Issues(t.Context(), apperrors.IssueFilter{Project: "7"})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, is := range issues {
			n += is.Count
		}
		return n >= 6
	})
	byType := map[string]apperrors.Issue{}
	for _, is := range issues {
		typ, _, _ := strings.Cut(is.Title, ":")
		byType[typ] = is
	}
	valueErr, keyErr := byType["ValueError"], byType["KeyError"]
	if len(issues) != 2 || valueErr.Count != 5 || keyErr.Count != 1 {
		for _, is := range issues {
			t.Logf("issue %s %q count %d culprit %q", is.ID, is.Title, is.Count, is.Culprit)
		}
		t.Fatalf("%d issues; want 2: ValueError x5 and KeyError x1", len(issues))
	}
	for _, is := range issues {
		if is.Users != 1 || !slices.Equal(is.Environments, []string{"production"}) || is.LastRelease != "shop@2.0.0" || is.Status != apperrors.StatusUnresolved {
			t.Errorf("issue %q: users %d, environments %v, release %q, status %s", is.Title, is.Users, is.Environments, is.LastRelease, is.Status)
		}
	}
	if valueErr.Samples != 5 {
		t.Errorf("ValueError samples %d, want 5 (the first 100 are all kept)", valueErr.Samples)
	}

	// NewErrorIssue, once per issue, to Slack with a link to its page.
	want := map[string]string{}
	for _, is := range issues {
		want[in.base+"/errors/issues/"+is.ID] = is.Title
	}
	servicetest.Eventually(t, 90*time.Second, "Slack messages linking to both issues", func() bool {
		links := messageLinks(slack.all()...)
		for l := range want {
			if !slices.Contains(links, l) {
				return false
			}
		}
		return true
	})
	for _, text := range slack.all() {
		if !strings.Contains(text, "NewErrorIssue") && !strings.Contains(text, "New error in shop") {
			t.Errorf("a Slack message that is not NewErrorIssue:\n%s", text)
		}
	}
	// The links open, signed in, on the issue's page.
	c := personClient(t, in, "vera", auth.RoleViewer)
	for l, title := range want {
		resp, err := c.Get(l)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), html.EscapeString(title)) {
			t.Errorf("GET %s: %d; want 200 with the title %q", l, resp.StatusCode, title)
		}
	}

	// Scrubbed before storage: the stored samples hold the request, but
	// none of its secrets.
	ev, err := in.app.errors.Events(t.Context(), valueErr.ID, 1)
	if err != nil || len(ev) != 1 || ev[0].Request == nil || ev[0].Request.URL != "https://shop.example.com/checkout/" {
		t.Fatalf("a ValueError sample: %+v %v", ev, err)
	}
	in.stop()
	grepErrorsData(t, filepath.Join(in.dir, "data"), 6, plantCookie, plantAuth, plantPassword, plantAPIKey)
}

// grepErrorsData fails for each file under dir that holds any of
// needles, reading gzip files decompressed as well as raw; at least
// payloads gzip files must hold an event's stack ("card declined" or
// "coupon"), or the search proves nothing.
func grepErrorsData(t *testing.T, dir string, payloads int, needles ...string) {
	t.Helper()
	files, events := 0, 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Type()&fs.ModeSocket != 0 {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		texts := [][]byte{data}
		if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			texts = append(texts, plain)
			if bytes.Contains(plain, []byte("card declined")) || bytes.Contains(plain, []byte("coupon")) {
				events++
			}
		}
		for _, text := range texts {
			for _, n := range needles {
				if i := bytes.Index(text, []byte(n)); i >= 0 {
					t.Errorf("%s holds %q: ...%s...", path, n, text[max(0, i-150):min(len(text), i+len(n)+20)])
				}
			}
		}
		return nil
	})
	if err != nil || files < 3 || events < payloads {
		t.Fatalf("walked %d files, %d event payloads (want %d): %v", files, events, payloads, err)
	}
	t.Logf("searched %d files, %d of them event payloads", files, events)
}
