package main

import (
	"strings"
	"testing"
)

// TestCLIErrorsWithoutPackagePrefix: what the command line prints names
// the problem for a person, without auth's "auth:" prefix; a reserved
// username and a scope above the token's role are refused with reasons.
func TestCLIErrorsWithoutPackagePrefix(t *testing.T) {
	cfg, _ := wardConfig(t)
	for _, c := range []struct {
		run  func() (int, string, string)
		want string
	}{
		{func() (int, string, string) { return runToken(t, "revoke", "--config", cfg, "nope") },
			`ward token revoke: no such API token: "nope"`},
		{func() (int, string, string) {
			return runToken(t, "create", "--name", "am", "--role", "viewer", "--scope", "alerts:write", "--config", cfg)
		}, "alerts:write needs role operator or above"},
		{func() (int, string, string) {
			return runUser(t, "Passw0rd-long-enough-123\nPassw0rd-long-enough-123\n", "add", "--role", "viewer", "--config", cfg, "ward")
		}, "reserved for ward itself"},
	} {
		code, _, stderr := c.run()
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "auth:") {
			t.Errorf("exit %d, stderr %q; want a failure saying %q without \"auth:\"", code, stderr, c.want)
		}
	}
}
