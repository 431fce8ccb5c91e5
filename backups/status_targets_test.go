package backups

import (
	"slices"
	"testing"
	"time"
)

// TestStatusRestoreTargetsAndKnownPing: the status lists the configured
// restore targets in order (the restore form offers them), and KnownPing
// knows exactly the watched jobs' tokens.
func TestStatusRestoreTargetsAndKnownPing(t *testing.T) {
	t.Setenv("WARD_TEST_KNOWN_PING", "tok-known-1234")
	clock := &testClock{t: time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC)}
	m, _ := testManager(t, clock)
	m.Apply(loadBackups(t, `  restore_targets:
    - {name: staging, path: /srv/restore/staging}
    - {name: qa, path: /srv/restore/qa}
  watched:
    - name: media
      token_env: WARD_TEST_KNOWN_PING
      period: 1h
`))
	st, err := m.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.RestoreTargets, []string{"staging", "qa"}) {
		t.Errorf("restore targets %q, want staging, qa", st.RestoreTargets)
	}
	for tok, want := range map[string]bool{"tok-known-1234": true, "tok-known-123": false, "": false, "other": false} {
		if got := m.KnownPing(tok); got != want {
			t.Errorf("KnownPing(%q) = %v, want %v", tok, got, want)
		}
	}
}
