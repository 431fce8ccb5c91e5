package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCheckConfigWarnsOnEmptyRuleFiles: a rule_files pattern that matches
// nothing (a typo, a wrong directory) passes, as in Prometheus, but says
// so, where it used to leave its rules silently unloaded.
func TestCheckConfigWarnsOnEmptyRuleFiles(t *testing.T) {
	dir := t.TempDir()
	rulesDir := filepath.Join(dir, "rules")
	if err := os.Mkdir(rulesDir, 0o700); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(rulesDir, "a.yml")
	if err := os.WriteFile(good, []byte("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: vector(1)\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ward.yaml")
	doc := "rule_files: [\"rules/*.yml\", \"rule/*.yml\"]\nrules:\n  builtin: false\n"
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	(cliCase{
		args:   []string{"check", "config", cfg},
		stdout: []string{cfg + ": SUCCESS: 0 scrape jobs, 1 rule, 1 receiver\n"},
		stderr: []string{`WARNING: rule_files pattern "` + filepath.Join(dir, "rule/*.yml") + `" matches no file`},
		never:  []string{`"` + filepath.Join(dir, "rules/*.yml") + `" matches no file`},
	}).run(t)
}

// TestCheckConfigWarnsOnBackupPaths (T11): a valid backups section whose
// files and programs are missing on this host passes with a warning per
// problem, each naming file:line:column and the field, and the success
// line counts the backups section.
func TestCheckConfigWarnsOnBackupPaths(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pgbackrest.conf")
	if err := os.WriteFile(conf, []byte("[main]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ward.yaml")
	doc := `rules:
  builtin: false
backups:
  run_as: postgres
  stanzas:
    - name: main
      config: ` + conf + `
      pg_bin: ` + filepath.Join(dir, "nobin") + `
    - name: other
      config: ` + filepath.Join(dir, "missing.conf") + `
      pg_bin: ` + filepath.Join(dir, "nobin") + `
  jobs:
    - {name: db, kind: pgbackrest, stanza: main, schedules: [{type: full, cron: "0 3 * * *"}]}
    - {name: files, kind: command, command: [/nonexistent/restic, backup], schedule: "0 4 * * *"}
    - {name: ok, kind: command, command: [/bin/true], schedule: "0 4 * * *"}
  watched:
    - {name: good, token_file: ` + token + `, schedule: "0 2 * * *"}
    - {name: bad, token_file: ` + filepath.Join(dir, "no-token") + `, schedule: "0 2 * * *"}
  restore_targets:
    - {name: scratch, path: ` + filepath.Join(dir, "nodir", "restore") + `}
    - {name: fine, path: ` + filepath.Join(dir, "restore") + `}
`
	if err := os.WriteFile(cfg, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	(cliCase{
		args:   []string{"check", "config", cfg},
		stdout: []string{cfg + ": SUCCESS: 0 scrape jobs, 0 rules, 1 receiver, 3 backup jobs, 2 stanzas, 2 watched jobs\n"},
		stderr: []string{
			cfg + ":8:15: WARNING: backups.stanzas[0].pg_bin: no postgres program in " + filepath.Join(dir, "nobin"),
			cfg + ":10:15: WARNING: backups.stanzas[1].config: pgBackRest's config file " + filepath.Join(dir, "missing.conf") + ": does not exist",
			cfg + ":11:15: WARNING: backups.stanzas[1].pg_bin:",
			cfg + ":14:46: WARNING: backups.jobs[1].command[0]: /nonexistent/restic: not found or not executable",
			cfg + ":18:31: WARNING: backups.watched[1].token_file: " + filepath.Join(dir, "no-token") + ": does not exist",
			cfg + ":20:29: WARNING: backups.restore_targets[0].path: parent directory " + filepath.Join(dir, "nodir") + " does not exist",
		},
		never: []string{"stanzas[0].config", "jobs[2]", "watched[0]", "restore_targets[1]"},
	}).run(t)
}
