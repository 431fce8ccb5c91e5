package app

import (
	"bytes"
	"context"
	"encoding/base32"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// Sentinel secrets of TestNoSecretInDataDir: each is given to ward once,
// through the way it takes that secret, and must never appear in clear in
// any file under the data directory.
const (
	sentinelPassword = "sentinel-password-5c1f9b3e7a"
	sentinelSlack    = "sentinel-slack-hook-8d2e4a6c0b"
	sentinelSMTP     = "sentinel-smtp-password-3b7d9f1a5e"
	sentinelBasic    = "sentinel-basic-auth-6a0c2e4b8d"
	sentinelPing     = "5e471ae1-0c4b-4d2e-9a7f-3b1c5d9e7f20"
)

// TestNoSecretInDataDir runs ward through the flows that take secrets (a
// user's password, 2FA enrolment and sign-in, an API token, a password
// reset link, a Slack webhook URL, an SMTP password and a scrape target's
// basic-auth password from *_file settings, a backup ping token), stops
// it, and greps every file under the data directory, bbolt and the TSDB's
// WAL included, for each: none may appear in clear.
func TestNoSecretInDataDir(t *testing.T) {
	dir := t.TempDir()
	secrets := t.TempDir() // outside the data directory, as /etc/ward is
	file := func(name, content string) string {
		p := filepath.Join(secrets, name)
		writeFile(t, p, content)
		return p
	}
	var slackHits atomic.Int32
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		slackHits.Add(1)
		w.Write([]byte("ok"))
	}))
	defer slack.Close()
	var scraped atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pw, ok := r.BasicAuth(); !ok || pw != sentinelBasic {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		scraped.Add(1)
		fmt.Fprintln(w, "sentinel_target_up 1")
	}))
	defer target.Close()
	rules := file("rules.yml", "groups:\n  - name: g\n    rules:\n      - alert: Always\n        expr: vector(1)\n")
	cfg := fastGlobal + fmt.Sprintf(`
rules: {builtin: false}
rule_files: [%q]
scrape_configs:
  - job_name: guarded
    static_configs: [{targets: [%q]}]
    basic_auth:
      username: ward
      password_file: %s
mail:
  smarthost: localhost:1
  from: 'ward <ward@example.com>'
  auth_username: ward
  auth_password_file: %s
backups:
  watched:
    - name: offsite
      token_file: %s
      period: 1d
alerting:
  route:
    receiver: team
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
  receivers:
    - name: team
      slack_configs:
        - api_url_file: %s
          channel: "#alerts"
`, rules, strings.TrimPrefix(target.URL, "http://"), file("basic.password", sentinelBasic),
		file("smtp.password", sentinelSMTP), file("offsite.token", sentinelPing),
		file("slack.url", slack.URL+"/services/"+sentinelSlack))
	in := startWardIn(t, dir, cfg)
	ctx, svc := context.Background(), in.app.auth

	// A user: password, 2FA enrolment, a session, an API token, a reset
	// link for a second user.
	for _, name := range []string{"ada", "bob"} {
		if _, err := svc.CreateUser(ctx, auth.Local("test"), auth.NewUser{Name: name, Role: auth.RoleAdmin, Password: sentinelPassword}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := svc.Login(ctx, auth.LoginRequest{Username: "ada", Password: sentinelPassword, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, res.Token, "127.0.0.1", "")
	if err != nil {
		t.Fatal(err)
	}
	en, err := svc.BeginEnrolment(ctx, p, sentinelPassword)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := totp.GenerateCode(en.Secret, time.Now())
	done, err := svc.ConfirmEnrolment(ctx, p, code)
	if err != nil {
		t.Fatal(err)
	}
	rawTOTP, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(en.Secret)
	if err != nil {
		t.Fatal(err)
	}
	p, err = svc.Authenticate(ctx, done.Token, "127.0.0.1", "")
	if err != nil {
		t.Fatal(err)
	}
	apiToken, err := svc.CreateToken(ctx, p, auth.TokenSpec{Name: "grafana", Role: auth.RoleViewer})
	if err != nil {
		t.Fatal(err)
	}
	resetToken, err := svc.CreateResetToken(ctx, p, "bob")
	if err != nil {
		t.Fatal(err)
	}
	// The API token in use, the ping token pinged.
	req, _ := http.NewRequest("GET", in.base+"/api/v1/query?query=up", nil)
	req.Header.Set("Authorization", "Bearer "+apiToken)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("API call with the token: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	for _, step := range []string{"/start", "/0"} {
		resp, err := http.Post(in.base+"/ping/"+sentinelPing+step, "text/plain", strings.NewReader("done\n"))
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("ping %s: %v %v", step, resp, err)
		}
		resp.Body.Close()
	}
	servicetest.Eventually(t, 30*time.Second, "the guarded target scraped and the alert sent to Slack", func() bool {
		return scraped.Load() > 2 && slackHits.Load() > 0
	})
	in.stop()

	sentinels := map[string][]byte{
		"password":         []byte(sentinelPassword),
		"TOTP secret":      []byte(en.Secret),
		"TOTP secret, raw": rawTOTP,
		"session token":    []byte(done.Token),
		"API token":        []byte(apiToken),
		"reset token":      []byte(resetToken),
		"Slack webhook":    []byte(sentinelSlack),
		"SMTP password":    []byte(sentinelSMTP),
		"basic-auth":       []byte(sentinelBasic),
		"ping token":       []byte(sentinelPing),
	}
	files := 0
	err = filepath.WalkDir(filepath.Join(dir, "data"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for name, s := range sentinels {
			if bytes.Contains(b, s) {
				t.Errorf("%s in clear in %s", name, path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The grep can see what the flows wrote: the scraped metric's name in
	// the TSDB's WAL, the user's name and the token's in bbolt.
	for path, want := range map[string]string{
		filepath.Join("tsdb", "wal", "00000000"): "sentinel_target_up",
		"ward.db":                                "grafana",
	} {
		b, err := os.ReadFile(filepath.Join(dir, "data", path))
		if err != nil || !bytes.Contains(b, []byte(want)) {
			t.Errorf("%s does not hold %q (%v): the grep would not see a secret written there", path, want, err)
		}
	}
	t.Logf("grepped %d files for %d sentinels", files, len(sentinels))
}
