package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/compliance"
)

// TestComplianceKeyAndDataDirThroughLinks: a key file outside the data
// directory by its path but a symbolic link into it is inside; a data
// directory that is a symbolic link fails; a key file readable by others
// fails the permissions control.
func TestComplianceKeyAndDataDirThroughLinks(t *testing.T) {
	r := newComplianceRig(t, "")
	data := filepath.Join(r.dir, "data")
	key := filepath.Join(data, auth.KeyFileName)
	if _, err := os.Stat(key); err != nil {
		t.Fatalf("the rig's key file: %v", err)
	}

	// The key through a link from outside the data directory.
	link := filepath.Join(r.dir, "elsewhere.key")
	if err := os.Symlink(key, link); err != nil {
		t.Fatal(err)
	}
	r.env[auth.EnvSecretKeyFile] = link
	wantIn(t, r.check("secrets-encrypted", compliance.Warn), "elsewhere.key")
	// A real file outside passes.
	outside := filepath.Join(r.dir, "outside.key")
	raw, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	r.env[auth.EnvSecretKeyFile] = outside
	r.check("secrets-encrypted", compliance.Pass)
	delete(r.env, auth.EnvSecretKeyFile)

	// The key file's mode.
	wantIn(t, r.check("datadir-permissions", compliance.Pass), "0700", "key file 0600")
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	wantIn(t, r.check("datadir-permissions", compliance.Fail), "key file 0644", "chmod 600")
	if err := os.Chmod(key, 0o600); err != nil {
		t.Fatal(err)
	}

	// storage.path a link to the real directory (0700 all the same).
	dataLink := filepath.Join(r.dir, "data-link")
	if err := os.Symlink(data, dataLink); err != nil {
		t.Fatal(err)
	}
	r.cfg.Storage.Path = dataLink
	wantIn(t, r.check("datadir-permissions", compliance.Fail), "symbolic link", data)
}
