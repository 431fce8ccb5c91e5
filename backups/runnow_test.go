package backups

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestRunNowType: with no type, Run now takes the type of the schedule
// that fires next (Sunday's full on Saturday night, the daily diff on
// other days); a command job takes no type and a type must be full,
// diff or incr.
func TestRunNowType(t *testing.T) {
	clock := &testClock{t: at("2026-03-10T12:00:00Z")} // a Tuesday
	m, _ := testManager(t, clock)
	cmd := script(t, "echo ok\n")
	m.Apply(loadBackups(t, fmt.Sprintf(`  stanzas:
    - {name: main, config: /nonexistent/pgbackrest.conf}
  jobs:
    - name: db
      kind: pgbackrest
      stanza: main
      schedules: [{cron: "0 2 * * 0", type: full}, {cron: "0 2 * * 1-6", type: diff}]
    - {name: files, kind: command, command: [%s]}
`, cmd)))
	m.mu.Lock()
	st := m.jobs["db"]
	got := st.nextType()
	for i := range st.entries {
		st.entries[i].next = st.entries[i].sched.Next(at("2026-03-14T12:00:00Z")) // Saturday
	}
	sat := st.nextType()
	m.mu.Unlock()
	if got != "diff" || sat != "full" {
		t.Errorf("next type on Tuesday %q (want diff), on Saturday %q (want full)", got, sat)
	}
	for _, c := range []struct{ job, typ string }{{"files", "full"}, {"db", "weekly"}} {
		if _, err := m.RunNowType(context.Background(), c.job, c.typ, "alice"); !errors.Is(err, ErrRefused) {
			t.Errorf("%s as %q: %v, want refused", c.job, c.typ, err)
		}
	}
	r, err := m.RunNowType(context.Background(), "db", "incr", "alice")
	if err != nil || r.Type != "incr" {
		t.Fatalf("run now incr: %+v %v", r, err)
	}
	finished(t, m, "db", 1)
}
