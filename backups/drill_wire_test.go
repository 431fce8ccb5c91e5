package backups

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/storage"
)

// TestDrillWiring: through the Manager's hooks a drill request reaches
// the drills, the runbook is served, stored drills seed the metrics, and
// the scheduler's tick starts a drill when its schedule comes; one that
// cannot start is recorded failed.
func TestDrillWiring(t *testing.T) {
	st, err := storage.OpenState(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &drillTestClock{t: time.Date(2026, 3, 1, 3, 59, 30, 0, time.UTC)} // a Sunday
	old := Run{ID: newRunID(clock.Now().Add(-time.Hour)), Kind: KindDrill, State: StateSuccess, Stanza: "main",
		Started: clock.Now().Add(-time.Hour), Finished: clock.Now().Add(-50 * time.Minute), Drill: &DrillResult{RTO: 42 * time.Second}}
	if err := (store{st: st}).put(old); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	o := Options{State: st, Registerer: prometheus.NewRegistry(), Now: clock.Now, DataDir: t.TempDir()}
	m := New(o)
	o.Registerer = reg
	m.wireDrills(o, nil)
	tick := m.hooks.tick[len(m.hooks.tick)-1]
	t.Cleanup(m.hooks.close[len(m.hooks.close)-1])

	if got := testutil.ToFloat64(mustVec(t, reg, "ward_restore_drill_rto_seconds")); got != 42 {
		t.Errorf("seeded rto_seconds = %v, want 42", got)
	}
	conf := filepath.Join(t.TempDir(), "pgbackrest.conf")
	if err := os.WriteFile(conf, []byte("[main]\npg1-path=/var/lib/postgresql/15/main\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// run_as names no user: every drill is refused before it starts.
	m.Apply(config.Backups{RunAs: "no-such-user-ward", Stanzas: []config.BackupStanza{
		{Name: "main", Config: conf},
		{Name: "quiet", Config: conf, Drill: config.BackupDrill{Schedule: "off"}},
	}})
	if _, err := m.StartDrill(context.Background(), DrillRequest{Stanza: "main"}); !errors.Is(err, ErrRefused) {
		t.Errorf("StartDrill: %v, want refused (run_as)", err)
	}
	if rb, err := m.Runbook("main", time.Time{}); err != nil || !strings.Contains(rb, "--stanza=main --delta restore") {
		t.Errorf("Runbook: %v\n%s", err, rb)
	}

	tick(clock.Now()) // learns the next time: 04:00
	clock.Add(20 * time.Second)
	tick(clock.Now())
	if runs := (store{st: st}).recent("", KindDrill, 10); len(runs) != 1 {
		t.Fatalf("%d drills before the schedule, want the seeded one", len(runs))
	}
	clock.Add(15 * time.Second)
	tick(clock.Now())
	tick(clock.Now()) // once per schedule time
	runs := (store{st: st}).recent("", KindDrill, 10)
	if len(runs) != 2 {
		t.Fatalf("%d drills after the schedule, want 2", len(runs))
	}
	r := runs[0]
	if r.Stanza != "main" || r.State != StateFailed || r.Trigger != TriggerSchedule ||
		!r.Scheduled.Equal(time.Date(2026, 3, 1, 4, 0, 0, 0, time.UTC)) || !strings.Contains(r.Error, "run_as") {
		t.Errorf("scheduled drill %+v", r)
	}
	if got := testutil.ToFloat64(mustVec(t, reg, "ward_restore_drill_last_failed")); got != 1 {
		t.Errorf("last_failed = %v, want 1", got)
	}
}

// mustVec finds the stanza "main" series of a gauge in reg.
func mustVec(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.Metric {
			for _, l := range m.Label {
				if l.GetName() == "stanza" && l.GetValue() == "main" {
					g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: "copy"})
					g.Set(m.GetGauge().GetValue())
					return g
				}
			}
		}
	}
	t.Fatalf("no %s{stanza=main}", name)
	return nil
}

// drillTestClock is a settable clock (each branch's tests keep their own).
type drillTestClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *drillTestClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *drillTestClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }
