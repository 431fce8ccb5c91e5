package backups

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/ward-monitoring/ward/config"
)

// jobMetrics are the ward_backup_* series of jobs and of the stanzas'
// inventory (the shared list of issue 12). Watched jobs report through
// the same series (finished, suspicious) via Manager.record.
type jobMetrics struct {
	lastSuccess *prometheus.GaugeVec
	duration    *prometheus.GaugeVec
	size        *prometheus.GaugeVec
	runs        *prometheus.CounterVec
	running     *prometheus.GaugeVec
	lastFailed  *prometheus.GaugeVec
	missed      *prometheus.GaugeVec
	suspicious  *prometheus.GaugeVec
	ratio       *prometheus.GaugeVec

	stanzaStatus *prometheus.GaugeVec
	invBackups   *prometheus.GaugeVec
	invSize      *prometheus.GaugeVec
	repoSize     *prometheus.GaugeVec
}

func newJobMetrics(reg prometheus.Registerer) *jobMetrics {
	g := func(name, help string, labels ...string) *prometheus.GaugeVec {
		v := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		reg.MustRegister(v)
		return v
	}
	runs := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "ward_backup_runs_total", Help: "Finished backup runs by outcome (success, failed, missed).",
	}, []string{"backup_job", "outcome"})
	reg.MustRegister(runs)
	return &jobMetrics{
		lastSuccess: g("ward_backup_last_success_timestamp_seconds", "When the job's newest successful run finished.", "backup_job"),
		duration:    g("ward_backup_last_run_duration_seconds", "How long the job's newest finished run took.", "backup_job"),
		size:        g("ward_backup_last_size_bytes", "The size the job's newest successful run reported.", "backup_job"),
		runs:        runs,
		running:     g("ward_backup_running", "1 while a run of the job is in progress.", "backup_job"),
		lastFailed:  g("ward_backup_last_run_failed", "1 when the job's newest finished run failed or was missed.", "backup_job"),
		missed:      g("ward_backup_missed", "1 while the job's newest scheduled run was missed (past schedule and grace without a run).", "backup_job"),
		suspicious:  g("ward_backup_suspicious", "1 while the job's newest success is suspicious, by reason (fast, small, too_many_runs).", "backup_job", "reason"),
		ratio:       g("ward_backup_success_ratio_30d", "Successful runs over finished runs in the last 30 days (missed runs count as failures).", "backup_job"),

		stanzaStatus: g("ward_backup_stanza_status", "pgBackRest's status code of the stanza (0 ok; 99 also when info could not be read).", "stanza"),
		invBackups:   g("ward_backup_inventory_backups", "Backups in the stanza's repository.", "stanza"),
		invSize:      g("ward_backup_inventory_size_bytes", "Database size of the stanza's newest backup.", "stanza"),
		repoSize:     g("ward_backup_repo_size_bytes", "Repository bytes the stanza's backups hold (sum of each backup's repository delta; WAL not included).", "stanza"),
	}
}

// started marks job running.
func (m *jobMetrics) started(job string) { m.running.WithLabelValues(job).Set(1) }

// finished records a finished run (success, failed or missed).
func (m *jobMetrics) finished(r Run) {
	if r.State == StateRunning {
		return
	}
	m.runs.WithLabelValues(r.Job, string(r.State)).Inc()
	m.observe(r)
}

// observe sets the gauges from the job's newest finished run (also used
// at start-up, from the history, without counting it again).
func (m *jobMetrics) observe(r Run) {
	if r.State != StateMissed {
		m.running.WithLabelValues(r.Job).Set(0)
		m.duration.WithLabelValues(r.Job).Set(r.Finished.Sub(r.Started).Seconds())
	}
	m.lastFailed.WithLabelValues(r.Job).Set(boolGauge(r.State != StateSuccess))
	m.missed.WithLabelValues(r.Job).Set(boolGauge(r.State == StateMissed))
	if r.State != StateSuccess {
		return
	}
	m.lastSuccess.WithLabelValues(r.Job).Set(float64(r.Finished.UnixNano()) / 1e9)
	if r.Bytes > 0 {
		m.size.WithLabelValues(r.Job).Set(float64(r.Bytes))
	}
	flags := map[string]bool{}
	for _, s := range r.Suspicious {
		flags[suspiciousReason(s)] = true
	}
	for _, reason := range []string{"fast", "small", "too_many_runs"} {
		m.suspicious.WithLabelValues(r.Job, reason).Set(boolGauge(flags[reason]))
	}
}

// inventory exports a stanza's inventory.
func (m *jobMetrics) inventory(s StanzaStatus) {
	m.stanzaStatus.WithLabelValues(s.Name).Set(float64(s.Code))
	m.invBackups.WithLabelValues(s.Name).Set(float64(len(s.Backups)))
	var repo int64
	for _, b := range s.Backups {
		repo += b.RepoSize
	}
	m.repoSize.WithLabelValues(s.Name).Set(float64(repo))
	if n := len(s.Backups); n > 0 {
		m.invSize.WithLabelValues(s.Name).Set(float64(s.Backups[n-1].Size))
	}
}

// retain drops the series of jobs and stanzas no longer configured.
func (m *jobMetrics) retain(cfg config.Backups) {
	jobs := map[string]bool{}
	for _, j := range cfg.Jobs {
		jobs[j.Name] = true
	}
	for _, w := range cfg.Watched {
		jobs[w.Name] = true
	}
	stanzas := map[string]bool{}
	for _, s := range cfg.Stanzas {
		stanzas[s.Name] = true
	}
	drop := func(v prometheus.Collector, label string, keep map[string]bool) {
		ch := make(chan prometheus.Metric, 64)
		go func() { v.Collect(ch); close(ch) }()
		var gone []string
		for mt := range ch {
			var pb dto.Metric
			if err := mt.Write(&pb); err != nil {
				continue
			}
			for _, lp := range pb.GetLabel() {
				if lp.GetName() == label && !keep[lp.GetValue()] {
					gone = append(gone, lp.GetValue())
				}
			}
		}
		for _, name := range gone {
			switch vec := v.(type) {
			case *prometheus.GaugeVec:
				vec.DeletePartialMatch(prometheus.Labels{label: name})
			case *prometheus.CounterVec:
				vec.DeletePartialMatch(prometheus.Labels{label: name})
			}
		}
	}
	for _, v := range []prometheus.Collector{m.lastSuccess, m.duration, m.size, m.runs, m.running, m.lastFailed, m.missed, m.suspicious, m.ratio} {
		drop(v, "backup_job", jobs)
	}
	for _, v := range []prometheus.Collector{m.stanzaStatus, m.invBackups, m.invSize, m.repoSize} {
		drop(v, "stanza", stanzas)
	}
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
