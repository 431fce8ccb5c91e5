package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// internalRef matches a reference to the project's own issue tracker,
// which means nothing to a user.
var internalRef = regexp.MustCompile(`(?i)\bissue \d+`)

// TestHelpTexts: `ward --help` names every command; every help text ends
// its last line and, like config.example.yaml, refers to no internal
// issue.
func TestHelpTexts(t *testing.T) {
	_, top, _ := runWard(t, "--help")
	for _, cmd := range []string{"serve", "check config", "check rules", "test rules", "alert test", "check run", "user add", "audit verify",
		"token create", "compliance report", "backup run", "backup self", "restore self", "key rotate|status", "version"} {
		if !strings.Contains(top, "\n  ward "+cmd) {
			t.Errorf("ward --help does not name ward %s", cmd)
		}
	}
	for _, args := range [][]string{{"--help"}, {"key", "--help"}, {"key", "rotate", "--help"}, {"restore", "--help"}, {"restore", "self", "--help"},
		{"backup", "self", "--help"}, {"compliance", "--help"}, {"compliance", "report", "--help"}, {"compliance", "verify", "--help"}} {
		_, out, errOut := runWard(t, args...)
		text := out + errOut
		if !strings.HasSuffix(text, "\n") {
			t.Errorf("ward %s: the help text does not end with a newline: %q", strings.Join(args, " "), text[max(0, len(text)-40):])
		}
		if m := internalRef.FindString(text); m != "" {
			t.Errorf("ward %s: the help text refers to %q", strings.Join(args, " "), m)
		}
	}
	b, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		if m := internalRef.FindString(line); m != "" {
			t.Errorf("config.example.yaml:%d refers to %q: %s", i+1, m, line)
		}
	}
}
