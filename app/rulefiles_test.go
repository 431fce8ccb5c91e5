package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnmatchedRuleFilesLogged: a rule_files pattern that matches no file
// is logged as a warning whenever the config is applied (at start and on
// each reload, which share apply), naming the pattern; its rules used to
// be missing without a word.
func TestUnmatchedRuleFilesLogged(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "ward.yaml")
	doc := fmt.Sprintf("rule_files: [\"rulez/*.yml\"]\nstorage:\n  path: %s\nserver:\n  listen: 127.0.0.1:0\n", filepath.Join(dir, "data"))
	if err := os.WriteFile(cfgFile, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	a, err := New(Options{ConfigFile: cfgFile, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // Run returns at once and closes what New opened
	if err := a.Run(ctx); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`level=WARN msg="rule_files pattern matches no file; no rules are loaded from it" pattern=%s`, filepath.Join(dir, "rulez/*.yml"))
	if !strings.Contains(logs.String(), want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
}
