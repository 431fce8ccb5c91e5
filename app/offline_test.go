package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// offlineConfig writes a config whose data directory is in a temporary
// directory, with extra appended, and returns its path and the data
// directory.
func offlineConfig(tb testing.TB, extra string) (cfgFile, dataDir string) {
	tb.Helper()
	dir := tb.TempDir()
	dataDir = filepath.Join(dir, "data")
	cfgFile = filepath.Join(dir, "ward.yaml")
	if err := os.WriteFile(cfgFile, fmt.Appendf(nil, "storage:\n  path: %s\n%s", dataDir, extra), 0o600); err != nil {
		tb.Fatal(err)
	}
	return cfgFile, dataDir
}

// TestOpenOfflineUsesAuthSection: the command line judges two-factor
// policy by the configured auth section, as the server does, not by the
// defaults (which require 2FA of operators too).
func TestOpenOfflineUsesAuthSection(t *testing.T) {
	cfgFile, dataDir := offlineConfig(t, "auth:\n  two_factor: {required_roles: [admin]}\n")
	off, err := OpenOffline(cfgFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if off.State == nil || off.Key == nil || off.Auth == nil || off.Config.Storage.Path != dataDir {
		t.Fatalf("OpenOffline = %+v", off)
	}
	ctx, p := context.Background(), auth.Local("cli:test")
	for _, tt := range []struct {
		role      auth.Role
		mustEnrol bool
	}{{auth.RoleAdmin, true}, {auth.RoleOperator, false}} {
		u, err := off.Auth.CreateUser(ctx, p, auth.NewUser{Name: string(tt.role) + "1", Role: tt.role, Password: "correct horse battery staple"})
		if err != nil {
			t.Fatal(err)
		}
		if u.MustEnrol != tt.mustEnrol {
			t.Errorf("%s: MustEnrol %v, want %v under auth.two_factor.required_roles: [admin]", tt.role, u.MustEnrol, tt.mustEnrol)
		}
	}
	// The key is the one the server would load: created in the data
	// directory on a fresh install.
	if _, err := os.Stat(filepath.Join(dataDir, auth.KeyFileName)); err != nil {
		t.Errorf("no key file after OpenOffline: %v", err)
	}
	if got := StatePath(off.Config); got != filepath.Join(dataDir, "ward.db") {
		t.Errorf("StatePath = %s", got)
	}
}

func TestOpenOfflineRefusesHeldDatabase(t *testing.T) {
	cfgFile, _ := offlineConfig(t, "")
	held, err := OpenOffline(cfgFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	for name, open := range map[string]func() (*Offline, error){
		"OpenOffline":         func() (*Offline, error) { return OpenOffline(cfgFile, slog.New(slog.DiscardHandler)) },
		"OpenOfflineReadOnly": func() (*Offline, error) { return OpenOfflineReadOnly(cfgFile) },
	} {
		if _, err := open(); err == nil || !strings.Contains(err.Error(), "database in use") || !strings.Contains(err.Error(), "stop `ward serve` first") {
			t.Errorf("%s while the database is held: %v", name, err)
		}
	}
}

// TestOpenOfflineReadOnlyChangesNothing: reading for verification never
// creates a key, and says where it looked.
func TestOpenOfflineReadOnlyChangesNothing(t *testing.T) {
	cfgFile, dataDir := offlineConfig(t, "")
	keyFile := filepath.Join(dataDir, auth.KeyFileName)
	_, err := OpenOfflineReadOnly(cfgFile)
	if !errors.Is(err, auth.ErrKeyMissing) || !strings.Contains(err.Error(), "secret key: ") || !strings.Contains(err.Error(), keyFile) {
		t.Fatalf("OpenOfflineReadOnly without a key = %v", err)
	}
	if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenOfflineReadOnly created the key file: %v", err)
	}
	// With the key the server created, it reads it and opens no
	// identity service.
	off, err := OpenOffline(cfgFile, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	off.Close()
	ro, err := OpenOfflineReadOnly(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if ro.Key == nil || ro.KeyFrom != keyFile || ro.Auth != nil {
		t.Errorf("OpenOfflineReadOnly = %+v", ro)
	}
}
