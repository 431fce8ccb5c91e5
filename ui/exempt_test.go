package ui

import (
	"testing"

	"github.com/ward-monitoring/ward/auth"
)

// TestExemptByHowAuthenticated: only the command line and ward's own
// scrape (its in-memory token) pass every limit; a user who happens to be
// called "ward", say from an older database, does not.
func TestExemptByHowAuthenticated(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    *auth.Principal
		want bool
	}{
		{"user named ward", &auth.Principal{User: auth.User{Name: auth.SystemActor, Role: auth.RoleAdmin}}, false},
		{"internal scrape", &auth.Principal{User: auth.User{Name: auth.SystemActor}, Internal: true}, true},
		{"command line", auth.Local("cli:root"), true},
		{"anonymous", nil, false},
	} {
		if got := exempt(tc.p); got != tc.want {
			t.Errorf("%s: exempt = %v, want %v", tc.name, got, tc.want)
		}
	}
}
