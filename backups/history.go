package backups

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Bounds of the run history.
const (
	// rateWindow is the success rate's window.
	rateWindow = 30 * 24 * time.Hour
	// keepRunsFor and keepRuns bound the stored history: runs older than
	// 400 days, or beyond the newest 1,000 of their job, are deleted.
	// Each job (and watched job) has its own count, so a job that runs
	// (or is pinged) often never evicts another job's runs.
	keepRunsFor = 400 * 24 * time.Hour
	keepRuns    = 1_000
	// keepDrills bounds the drills, and separately the restores, kept
	// per stanza: backup runs never evict them.
	keepDrills = 500
)

// rate counts finished runs in the window.
type rate struct {
	finished, success int
}

// ratio is success/finished; nil with no finished runs: the rate is
// unknown, not 100%.
func (r rate) ratio() *float64 {
	if r.finished == 0 {
		return nil
	}
	v := float64(r.success) / float64(r.finished)
	return &v
}

// idAt is the smallest run id of a run started at t: ids sort by start.
func idAt(t time.Time) string {
	return fmt.Sprintf("%016x", uint64(t.UnixNano()))
}

// runHead is the part of a stored run the counts read (not its log).
type runHead struct {
	Kind       RunKind   `json:"kind"`
	State      RunState  `json:"state"`
	Job        string    `json:"job"`
	Stanza     string    `json:"stanza"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	Bytes      int64     `json:"bytes"`
	Label      string    `json:"label"`
	Suspicious []string  `json:"suspicious"`
}

// decodeRunHead decodes the fields before the log. Run marshals its
// log after them, and a quote inside a string value is escaped, so the
// first `,"log":` is the log's key: cutting there skips the (up to 64
// KiB) log without reading it.
func decodeRunHead(data []byte) (runHead, error) {
	var r runHead
	if i := bytes.Index(data, logKey); i > 0 {
		head := make([]byte, 0, i+1)
		head = append(append(head, data[:i]...), '}')
		if json.Unmarshal(head, &r) == nil {
			return r, nil
		}
		r = runHead{}
	}
	err := json.Unmarshal(data, &r)
	return r, err
}

var logKey = []byte(`,"log":`)

// refreshRates recounts the 30-day success rates of backup runs (jobs
// and watched jobs; missed runs count as failures) and exports them.
func (m *Manager) refreshRates(now time.Time) {
	if m.store.st == nil {
		return
	}
	m.mu.Lock()
	gen := m.ratesGen
	m.mu.Unlock()
	cutoff := idAt(now.Add(-rateWindow))
	rates := map[string]rate{}
	newest := map[string]Run{} // job -> newest finished run
	err := m.store.st.BackupRuns("", func(id string, data []byte) bool {
		if id < cutoff {
			return false
		}
		r, err := decodeRunHead(data)
		if err != nil || r.Kind != KindBackup || r.Job == "" || r.State == StateRunning {
			return true
		}
		for _, key := range []string{r.Job, ""} {
			c := rates[key]
			c.finished++
			if r.State == StateSuccess {
				c.success++
			}
			rates[key] = c
		}
		if _, ok := newest[r.Job]; !ok {
			newest[r.Job] = Run{ID: id, Kind: r.Kind, State: r.State, Job: r.Job, Started: r.Started, Finished: r.Finished, Bytes: r.Bytes, Suspicious: r.Suspicious}
		}
		return true
	})
	if err != nil {
		m.log.Error("backup: count success rates", "err", err)
		return
	}
	m.mu.Lock()
	first := m.ratesAt.IsZero()
	m.rates, m.ratesAt, m.ratesDirty = rates, now, m.ratesGen != gen
	jobs := m.jobNamesLocked()
	m.mu.Unlock()
	for _, job := range jobs {
		if v := rates[job].ratio(); v != nil {
			m.metrics.ratio.WithLabelValues(job).Set(*v)
		} else {
			// No finished run in the window: the rate is unknown.
			m.metrics.ratio.DeleteLabelValues(job)
		}
		if r, ok := newest[job]; ok && first {
			// At start-up the gauges come from the history.
			m.metrics.observe(r)
		}
	}
}

// markRatesLocked notes that a run finished: the rates are recounted on
// the next tick or status. m.mu is held.
func (m *Manager) markRatesLocked() {
	m.ratesDirty = true
	m.ratesGen++
}

// jobNamesLocked lists the configured jobs and watched jobs.
func (m *Manager) jobNamesLocked() []string {
	var out []string
	for _, j := range m.cfg.Jobs {
		out = append(out, j.Name)
	}
	for _, w := range m.cfg.Watched {
		out = append(out, w.Name)
	}
	return out
}

// prune deletes runs older than keepRunsFor and, per job, the backup
// runs beyond its newest m.keepRuns, and per stanza the drills (and
// restores) beyond the newest keepDrills. Counting per job and kind is
// what keeps a flood of pings for one watched job from erasing other
// jobs' runs, drills and restores.
func (m *Manager) prune(now time.Time) {
	m.mu.Lock()
	m.prunedAt = now
	m.mu.Unlock()
	if m.store.st == nil {
		return
	}
	cut := idAt(now.Add(-keepRunsFor))
	seen := map[string]int{} // kind and job or stanza -> runs so far
	var drop []string
	err := m.store.st.BackupRuns("", func(id string, data []byte) bool {
		if id < cut {
			return false // older runs all go below
		}
		r, err := decodeRunHead(data)
		if err != nil {
			return true // kept: the list reports it
		}
		key, limit := string(r.Kind)+"\x00"+r.Job, m.keepRuns
		if r.Kind == KindDrill || r.Kind == KindRestore {
			key, limit = string(r.Kind)+"\x00"+r.Stanza, keepDrills
		}
		seen[key]++
		if seen[key] > limit {
			drop = append(drop, id)
		}
		return true
	})
	if err != nil {
		m.log.Error("backup: prune run history", "err", err)
		return
	}
	gone, err := m.store.st.DeleteBackupRunsBefore(cut)
	if err == nil {
		var n int
		n, err = m.store.st.DeleteBackupRuns(drop)
		gone += n
	}
	if err != nil {
		m.log.Error("backup: prune run history", "err", err)
		return
	}
	if gone > 0 {
		m.log.Info("backup run history pruned", "deleted", gone)
	}
}
