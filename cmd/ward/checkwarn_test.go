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
