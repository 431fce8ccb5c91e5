package backups

import (
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
)

// SelfScratchDir is the directory in the data directory where a
// snapshot is staged (the TSDB's hard links, an upload) and a restore
// test restores: on the data directory's file system, which hard links
// need.
const SelfScratchDir = "self-backup.tmp"

// selfWiring is the Manager's part for self jobs' restore tests: their
// schedules, one test at a time, and their metrics.
type selfWiring struct {
	env      SelfEnv
	drilling sync.Mutex
	metrics  *selfMetrics
	mu       sync.Mutex
	cfg      []config.BackupJob
	// next is when each job's test is due, keyed by job and schedule (a
	// reload that changes the schedule starts afresh).
	next map[string]time.Time
}

// wireSelf connects the self jobs' restore tests to the Manager's hooks;
// wireHooks calls it.
func (m *Manager) wireSelf(o Options) {
	if o.DataDir != "" {
		// What a self-backup or restore test left when ward stopped
		// mid-way: none runs before New returns.
		if ents, err := os.ReadDir(filepath.Join(o.DataDir, SelfScratchDir)); err == nil {
			for _, e := range ents {
				os.RemoveAll(filepath.Join(o.DataDir, SelfScratchDir, e.Name()))
			}
		}
	}
	m.selfw.env = o.Self
	m.selfw.metrics = newSelfMetrics(o.Registerer)
	m.selfw.next = map[string]time.Time{}
	runs := m.store.recent("", KindDrill, maxSeedDrills)
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Type == config.BackupKindSelf && runs[i].State != StateRunning {
			m.selfw.metrics.observe(runs[i])
		}
	}
	m.hooks.apply = append(m.hooks.apply, func(cfg config.Backups) {
		var jobs []config.BackupJob
		for _, j := range cfg.Jobs {
			if j.Kind == config.BackupKindSelf && j.DrillSchedule != "off" {
				jobs = append(jobs, j)
			}
		}
		m.selfw.mu.Lock()
		m.selfw.cfg = jobs
		m.selfw.mu.Unlock()
	})
	m.hooks.tick = append(m.hooks.tick, m.selfTick)
}

// selfTick starts the restore tests that are due, each in the
// background under the Manager's base context.
func (m *Manager) selfTick(now time.Time) {
	w := &m.selfw
	w.mu.Lock()
	var due []config.BackupJob
	var at []time.Time
	next := make(map[string]time.Time, len(w.cfg))
	for _, j := range w.cfg {
		key := j.Name + "\x00" + j.DrillSchedule + "\x00" + j.TimeZone
		sched, err := config.ParseBackupSchedule(j.DrillSchedule, j.TimeZone)
		if err != nil {
			continue // Load validated it
		}
		t, ok := w.next[key]
		switch {
		case !ok:
			next[key] = sched.Next(now)
		case !now.Before(t):
			next[key] = sched.Next(now)
			due, at = append(due, j), append(at, t)
		default:
			next[key] = t
		}
	}
	w.next = next
	w.mu.Unlock()
	for i, j := range due {
		m.wg.Go(func() {
			if _, err := m.selfDrill(m.base, j, TriggerSchedule, "", at[i]); err != nil {
				m.log.Warn("scheduled self-backup restore test did not start", "job", j.Name, "err", err)
			}
		})
	}
}

// selfMetrics are the ward_self_restore_test_* series, by job.
type selfMetrics struct {
	lastSuccess *prometheus.GaugeVec
	lastFailed  *prometheus.GaugeVec
}

func newSelfMetrics(reg prometheus.Registerer) *selfMetrics {
	g := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"job"})
	}
	m := &selfMetrics{
		lastSuccess: g("ward_self_restore_test_last_success_timestamp_seconds", "When the self job's newest successful restore test finished."),
		lastFailed:  g("ward_self_restore_test_last_failed", "1 when the self job's newest finished restore test failed."),
	}
	if reg != nil {
		reg.MustRegister(m.lastSuccess, m.lastFailed)
	}
	return m
}

func (s *selfMetrics) observe(r Run) {
	if r.State == StateSuccess {
		s.lastFailed.WithLabelValues(r.Job).Set(0)
		s.lastSuccess.WithLabelValues(r.Job).Set(float64(r.Finished.UnixNano()) / 1e9)
		return
	}
	s.lastFailed.WithLabelValues(r.Job).Set(1)
}
