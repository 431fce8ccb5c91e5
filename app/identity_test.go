package app

import (
	"context"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/servicetest"
)

// TestIdentityWiring: the audit chain is verified and exported, reloads
// are audited with who asked, and ward's own scrape authenticates.
func TestIdentityWiring(t *testing.T) {
	in := startWard(t, fastGlobal+"rules: {builtin: false}\nscrape_configs: []\n")
	if v := in.metricValue(t, "ward_audit_chain_valid"); v != "1" {
		t.Errorf("ward_audit_chain_valid = %q, want 1", v)
	}
	if !strings.Contains(in.stderr.String(), "/setup?token=") {
		t.Errorf("no setup URL printed on first run:\n%s", in.stderr.String())
	}
	if code, body := in.postReload(t); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	recs, err := in.app.auditLog.Records(context.Background(), "test", "", audit.Query{Action: audit.ActionConfigReload})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0].Actor != "token:test-admin" || recs[0].Outcome != audit.Success {
		t.Errorf("reload audit records %+v: want one by token:test-admin", recs)
	}
	servicetest.Eventually(t, 20*time.Second, "ward scraping itself with its token", func() bool {
		s, ok := byLabel(in.query(t, `up{job="ward"}`), "job", "ward")
		return ok && value(s) == "1"
	})
}

// TestSecretKeyProblemsStopStartup: once a user's TOTP secret is sealed,
// a missing or different key is a clear startup error.
func TestSecretKeyProblemsStopStartup(t *testing.T) {
	dir := t.TempDir()
	in := startWardIn(t, dir, "rules: {builtin: false}\nscrape_configs: []\n")
	ctx, svc := context.Background(), in.app.auth
	const pw = "a perfectly long test password"
	if _, err := svc.CreateUser(ctx, auth.Local("test"), auth.NewUser{Name: "ada", Role: auth.RoleAdmin, Password: pw}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Login(ctx, auth.LoginRequest{Username: "ada", Password: pw, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(ctx, res.Token, "127.0.0.1", "")
	if err != nil {
		t.Fatal(err)
	}
	en, err := svc.BeginEnrolment(ctx, p, pw)
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.GenerateCode(en.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ConfirmEnrolment(ctx, p, code); err != nil {
		t.Fatal(err)
	}
	in.stop()

	keyFile := filepath.Join(dir, "data", auth.KeyFileName)
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(make([]byte, 32))), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgFile := filepath.Join(dir, "ward.yaml")
	_, err = New(Options{ConfigFile: cfgFile, Logger: testLogger(t)})
	if !errors.Is(err, auth.ErrKeyMismatch) || !strings.Contains(err.Error(), "reset-2fa") {
		t.Errorf("wrong key: %v, want ErrKeyMismatch saying what to do", err)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	_, err = New(Options{ConfigFile: cfgFile, Logger: testLogger(t)})
	if !errors.Is(err, auth.ErrKeyMissing) || !strings.Contains(err.Error(), keyFile) {
		t.Errorf("missing key: %v, want ErrKeyMissing naming %s", err, keyFile)
	}
}
