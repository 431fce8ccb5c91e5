package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/ward-monitoring/ward/storage"
)

// wardConfig writes a config whose data directory is in a temporary
// directory and returns its path and the state database's.
func wardConfig(tb testing.TB) (cfg, db string) {
	tb.Helper()
	dir := tb.TempDir()
	data := filepath.Join(dir, "data")
	cfg = filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, "storage:\n  path: %s\n", data), 0o600); err != nil {
		tb.Fatal(err)
	}
	return cfg, filepath.Join(data, "ward.db")
}

func runUser(tb testing.TB, stdin string, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut strings.Builder
	code = userCmd(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUserCommands(t *testing.T) {
	cfg, _ := wardConfig(t)
	const pw = "correct horse battery staple\n"
	steps := []struct {
		stdin  string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{pw, []string{"add", "root", "--role", "admin", "--email", "root@example.com", "--config", cfg}, 0,
			[]string{"added root (admin)", "root must enrol in two-factor authentication"}, []string{""}},
		{pw, []string{"add", "--config", cfg, "vera", "--role=viewer"}, 0, []string{"added vera (viewer)"}, nil},
		{pw, []string{"add", "vera", "--role", "viewer", "--config", cfg}, 1, nil, []string{"user already exists"}},
		{"qwerty123456\n", []string{"add", "eve", "--role", "viewer", "--config", cfg}, 1, nil, []string{"too common"}},
		{"", []string{"add", "eve", "--role", "viewer", "--config", cfg}, 1, nil, []string{"no password on standard input"}},
		{pw, []string{"add", "eve", "--role", "root", "--config", cfg}, 1, nil, []string{`invalid role "root"`}},
		{"", []string{"list", "--config", cfg}, 0, []string{
			"NAME  ROLE    EMAIL             2FA                     STATUS   CREATED",
			"root  admin   root@example.com  required, not enrolled  enabled",
			"vera  viewer                    off                     enabled",
		}, nil},
		{"", []string{"set-role", "vera", "operator", "--config", cfg}, 0, []string{"vera is now operator"}, nil},
		{"", []string{"set-role", "root", "viewer", "--config", cfg}, 1, nil, []string{"at least one enabled admin"}},
		{"", []string{"disable", "root", "--config", cfg}, 1, nil, []string{"at least one enabled admin"}},
		{"", []string{"disable", "vera", "--config", cfg}, 0, []string{"vera is disabled"}, nil},
		{"", []string{"enable", "vera", "--config", cfg}, 0, []string{"vera is enabled"}, nil},
		{"another fine passphrase here\n", []string{"reset-password", "vera", "--config", cfg}, 0, []string{"password of vera changed", "2FA is unchanged"}, nil},
		{"", []string{"reset-password", "vera", "--link", "--config", cfg}, 0, []string{"http://127.0.0.1:9740/reset-password?token="}, nil},
		{"", []string{"reset-2fa", "vera", "--config", cfg}, 0, []string{"2FA of vera was removed"}, nil},
		{"", []string{"reset-2fa", "nobody", "--config", cfg}, 1, nil, []string{"no such user"}},
		{"", []string{"list", "--config", cfg}, 0, []string{"vera  operator"}, nil},
	}
	for _, s := range steps {
		code, stdout, stderr := runUser(t, s.stdin, s.args...)
		if code != s.code {
			t.Errorf("ward user %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(s.args, " "), code, s.code, stdout, stderr)
			continue
		}
		assertStream(t, "stdout of "+s.args[0], stdout, s.stdout)
		assertStream(t, "stderr of "+s.args[0], stderr, s.stderr)
		if strings.Contains(stdout+stderr, "correct horse") {
			t.Errorf("ward user %s printed the password", s.args[0])
		}
	}

	var out, errOut strings.Builder
	if code := auditCmd([]string{"verify", "--config", cfg}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "audit chain OK: ") {
		t.Fatalf("audit verify: %d\n%s%s", code, out.String(), errOut.String())
	}
}

func TestUserCommandDatabaseInUse(t *testing.T) {
	cfg, db := wardConfig(t)
	st, err := storage.OpenState(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	code, _, stderr := runUser(t, "", "list", "--config", cfg)
	if code != 1 || !strings.Contains(stderr, "database in use") || !strings.Contains(stderr, "stop `ward serve` first") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	var out, errOut strings.Builder
	if code := auditCmd([]string{"verify", "--config", cfg}, &out, &errOut); code != 1 || !strings.Contains(errOut.String(), "database in use") {
		t.Fatalf("audit verify: exit %d, %q", code, errOut.String())
	}
}

func TestUserCommandUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "ward user add NAME"},
		{[]string{"--help"}, 0, "ward user list"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"add", "eve"}, 2, "Usage:"},
		{[]string{"set-role", "eve"}, 2, "Usage:"},
		{[]string{"list", "extra"}, 2, "Usage:"},
	} {
		code, _, stderr := runUser(t, "", c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("ward user %v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
	var out, errOut strings.Builder
	if code := auditCmd([]string{"export"}, &out, &errOut); code != 2 {
		t.Errorf("ward audit export: exit %d", code)
	}
}

func TestAuditVerifyNamesFirstBadRecord(t *testing.T) {
	cfg, db := wardConfig(t)
	for _, name := range []string{"ann", "bob", "cid"} {
		if code, _, stderr := runUser(t, "correct horse battery staple\n", "add", name, "--role", "admin", "--config", cfg); code != 0 {
			t.Fatal(stderr)
		}
	}
	// Edit bob's record (#3: #1 is the key.init of the first command) in
	// place, as someone with the file could.
	bdb, err := bbolt.Open(db, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		k := []byte{0, 0, 0, 0, 0, 0, 0, 3}
		return b.Put(k, []byte(strings.Replace(string(b.Get(k)), `"bob"`, `"eve"`, 1)))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	code := auditCmd([]string{"verify", "--config", cfg}, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "BROKEN at record #3") {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

// TestUserListJudges2FAByConfig: `ward user` builds the identity service
// from the configured auth section, so an operator is not listed as
// needing 2FA where the config requires it of admins only.
func TestUserListJudges2FAByConfig(t *testing.T) {
	cfg, _ := wardConfig(t)
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("auth:\n  two_factor: {required_roles: [admin]}\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	const pw = "correct horse battery staple\n"
	if code, stdout, stderr := runUser(t, pw, "add", "olga", "--role", "operator", "--config", cfg); code != 0 || strings.Contains(stdout, "must enrol") {
		t.Fatalf("add operator: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runUser(t, pw, "add", "root", "--role", "admin", "--config", cfg); code != 0 || !strings.Contains(stdout, "root must enrol") {
		t.Fatalf("add admin: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := runUser(t, "", "list", "--config", cfg)
	if code != 0 {
		t.Fatalf("list: exit %d\n%s", code, stderr)
	}
	assertStream(t, "stdout of list", stdout, []string{
		"olga  operator         off                     enabled",
		"root  admin            required, not enrolled  enabled",
	})
}
