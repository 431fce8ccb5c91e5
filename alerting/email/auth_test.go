package email

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCredentialFiles pins how credential files are read, as Alertmanager
// reads them: the password file loses surrounding whitespace, the CRAM-MD5
// secret file is used byte for byte, and a missing file is named by its
// config key.
func TestCredentialFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c := &credentials{
		passwordFile: write("password", "  hunter2 \r\n"),
		secretFile:   write("secret", "s3cr3t\n"),
	}
	if got, err := c.readPassword(); err != nil || got != "hunter2" {
		t.Errorf("readPassword = %q, %v; want hunter2", got, err)
	}
	if got, err := c.readSecret(); err != nil || got != "s3cr3t\n" {
		t.Errorf("readSecret = %q, %v; want the file as written", got, err)
	}
	inline := &credentials{password: " pw ", secret: " s "}
	if got, _ := inline.readPassword(); got != " pw " {
		t.Errorf("inline password = %q, want it untouched", got)
	}
	if got, _ := inline.readSecret(); got != " s " {
		t.Errorf("inline secret = %q, want it untouched", got)
	}
	missing := &credentials{passwordFile: filepath.Join(dir, "nope")}
	if _, err := missing.readPassword(); err == nil || !strings.HasPrefix(err.Error(), "auth_password_file: ") || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing password file: %v", err)
	}
}
