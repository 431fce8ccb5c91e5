package backups

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// stanzaDescs are the stanza series stanzaWatch exports (the shared list
// of issue 12; the inventory's own series are the Manager's).
type stanzaDescs struct {
	rpo, rpoTarget, walFailing, repoLag, pitrOldest, pitrNewest, gaps, overdue *prometheus.Desc
}

func newStanzaDescs() stanzaDescs {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, append([]string{"stanza"}, labels...), nil)
	}
	return stanzaDescs{
		rpo: d("ward_backup_rpo_seconds",
			"Data at risk now by each side's account: time since the archiver's last archived WAL (side=archiver, pg_stat_archiver) or the repository's newest WAL segment (side=repository); while no WAL waits to be archived, time since the measurement.", "side"),
		rpoTarget:  d("ward_backup_rpo_target_seconds", "The stanza's RPO target."),
		walFailing: d("ward_backup_wal_archive_failing", "1 when the archiver's last failure (last_failed_time) is after its last success."),
		repoLag:    d("ward_backup_wal_repo_lag_seconds", "How far the repository's newest WAL segment is behind the archiver's last success."),
		pitrOldest: d("ward_backup_pitr_oldest_timestamp_seconds", "The oldest point in time a restore can reach: the oldest restorable backup's stop."),
		pitrNewest: d("ward_backup_pitr_newest_timestamp_seconds", "The newest point in time a restore can reach: the newest WAL segment's time in the repository."),
		gaps:       d("ward_backup_retention_gaps", "Retention buckets (daily, weekly, monthly, yearly) the policy requires that hold no restorable backup."),
		overdue:    d("ward_backup_retention_overdue", "Backups kept past the policy's max_age."),
	}
}

// Describe implements prometheus.Collector.
func (w *stanzaWatch) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{w.descs.rpo, w.descs.rpoTarget, w.descs.walFailing, w.descs.repoLag,
		w.descs.pitrOldest, w.descs.pitrNewest, w.descs.gaps, w.descs.overdue} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: the newest measurement of
// each stanza, aged to now. A side that could not be measured has no
// series (its error is in the status), rather than a 0 that looks good.
func (w *stanzaWatch) Collect(ch chan<- prometheus.Metric) {
	now := w.deps.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for name, s := range w.state {
		gauge(w.descs.rpoTarget, s.target.Seconds(), name)
		m := s.sides
		if age, ok := m.archiverAge(now); ok {
			gauge(w.descs.rpo, age.Seconds(), name, "archiver")
		}
		if age, ok := m.repoAge(now); ok {
			gauge(w.descs.rpo, age.Seconds(), name, "repository")
		}
		if m.ArchiverErr == nil && !m.MeasuredAt.IsZero() {
			gauge(w.descs.walFailing, boolGauge(m.failing()), name)
		}
		if lag, ok := m.repoLag(); ok && m.ArchiverErr == nil && m.RepoErr == nil {
			gauge(w.descs.repoLag, lag.Seconds(), name)
		}
		if from, to := pitrWindow(s.backups, m.RepoAt); !from.IsZero() {
			gauge(w.descs.pitrOldest, unixSeconds(from), name)
			gauge(w.descs.pitrNewest, unixSeconds(to), name)
		}
		if !s.checkedAt.IsZero() {
			gauge(w.descs.gaps, float64(len(s.retention.Gaps)), name)
			gauge(w.descs.overdue, float64(len(s.retention.Overdue)), name)
		}
	}
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
