package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/ward-monitoring/ward/config"
)

// backupWarning is a backups setting that is valid but will not work on
// this host: a file missing or unreadable, a program not found.
type backupWarning struct{ path, msg string }

// backupWarnings checks what the backups section points at on this host
// (T11): a stanza's pgbackrest.conf and pg_bin, a watched job's
// token_file, a command job's program, a restore target's parent. They
// are warnings, not errors: ward may run as another user (run_as) or on
// another host than the one `ward check config` runs on.
func backupWarnings(b config.Backups) []backupWarning {
	var out []backupWarning
	warn := func(path, format string, args ...any) {
		out = append(out, backupWarning{path, fmt.Sprintf(format, args...)})
	}
	for i, s := range b.Stanzas {
		at := fmt.Sprintf("backups.stanzas[%d]", i)
		if err := readable(s.Config); err != nil {
			warn(at+".config", "pgBackRest's config file %s: %v; every pgbackrest call for stanza %q will fail", s.Config, err, s.Name)
		}
		if s.PGBin != "" {
			if _, err := exec.LookPath(filepath.Join(s.PGBin, "postgres")); err != nil {
				warn(at+".pg_bin", "no postgres program in %s; drills and restores of stanza %q will fail", s.PGBin, s.Name)
			}
		} else if m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres"); len(m) == 0 {
			warn(at+".pg_bin", "not set and no /usr/lib/postgresql/*/bin/postgres on this host; drills and restores of stanza %q will fail", s.Name)
		}
	}
	for i, j := range b.Jobs {
		if j.Kind != "command" || len(j.Command) == 0 {
			continue
		}
		if _, err := exec.LookPath(j.Command[0]); err != nil {
			warn(fmt.Sprintf("backups.jobs[%d].command[0]", i), "%s: not found or not executable; job %q will fail", j.Command[0], j.Name)
		}
	}
	for i, w := range b.Watched {
		if w.TokenFile == "" {
			continue
		}
		if err := readable(w.TokenFile); err != nil {
			warn(fmt.Sprintf("backups.watched[%d].token_file", i), "%s: %v; watched job %q cannot be pinged", w.TokenFile, err, w.Name)
		}
	}
	for i, t := range b.RestoreTargets {
		parent := filepath.Dir(t.Path)
		if st, err := os.Stat(parent); err != nil || !st.IsDir() {
			warn(fmt.Sprintf("backups.restore_targets[%d].path", i), "parent directory %s does not exist; restores to target %q will fail", parent, t.Name)
		}
	}
	return out
}

// readable says why the file at path cannot be read, or nil.
func readable(path string) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return errors.New("does not exist")
		}
		if errors.Is(err, os.ErrPermission) {
			return errors.New("not readable by this user")
		}
		return err
	}
	return f.Close()
}

// backupsSummary counts the backups section for the success line, or ""
// when there is none.
func backupsSummary(b config.Backups) string {
	if len(b.Jobs)+len(b.Stanzas)+len(b.Watched) == 0 {
		return ""
	}
	return fmt.Sprintf(", %s, %s, %s", plural(len(b.Jobs), "backup job"), plural(len(b.Stanzas), "stanza"), plural(len(b.Watched), "watched job"))
}
