package backups

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ward-monitoring/ward/config"
)

// drillMetrics are the ward_restore_drill_* series (the shared list).
type drillMetrics struct {
	lastSuccess *prometheus.GaugeVec
	lastFailed  *prometheus.GaugeVec
	rto         *prometheus.GaugeVec
	rtoTarget   *prometheus.GaugeVec
	predicted   *prometheus.GaugeVec
	runs        *prometheus.CounterVec
}

func newDrillMetrics(reg prometheus.Registerer) *drillMetrics {
	g := func(name, help string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"stanza"})
	}
	m := &drillMetrics{
		lastSuccess: g("ward_restore_drill_last_success_timestamp_seconds", "When the stanza's newest successful restore drill finished."),
		lastFailed:  g("ward_restore_drill_last_failed", "1 when the stanza's newest finished restore drill failed."),
		rto:         g("ward_restore_drill_rto_seconds", "The newest successful drill's measured RTO: restore + replay + first query."),
		rtoTarget:   g("ward_restore_drill_rto_target_seconds", "The stanza's RTO target."),
		predicted:   g("ward_restore_drill_predicted_rto_seconds", "The RTO predicted for the current size at the newest drill's throughput."),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_restore_drill_runs_total", Help: "Restore drills finished, by outcome (success, failed).",
		}, []string{"stanza", "outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.lastSuccess, m.lastFailed, m.rto, m.rtoTarget, m.predicted, m.runs)
	}
	return m
}

// target sets a stanza's RTO target (on every config apply).
func (m *drillMetrics) target(stanza string, rto time.Duration) {
	m.rtoTarget.WithLabelValues(stanza).Set(rto.Seconds())
}

// observe records a finished drill; the Manager also calls it with the
// stored drills, oldest first, at start (so counters restart from the
// record, not zero, and the gauges show the newest drill).
func (m *drillMetrics) observe(r Run) {
	if r.Kind != KindDrill || r.State == StateRunning || r.Stanza == "" {
		return
	}
	m.runs.WithLabelValues(r.Stanza, string(r.State)).Inc()
	if r.State != StateSuccess {
		m.lastFailed.WithLabelValues(r.Stanza).Set(1)
		return
	}
	m.lastFailed.WithLabelValues(r.Stanza).Set(0)
	m.lastSuccess.WithLabelValues(r.Stanza).Set(float64(r.Finished.UnixNano()) / 1e9)
	if r.Drill != nil {
		m.rto.WithLabelValues(r.Stanza).Set(r.Drill.RTO.Seconds())
		if r.Drill.Predicted > 0 {
			m.predicted.WithLabelValues(r.Stanza).Set(r.Drill.Predicted.Seconds())
		}
	}
}

// drillSchedule is one stanza's drill schedule: Spec in TimeZone.
type drillSchedule struct {
	Stanza   string
	Spec     string
	TimeZone string
	at       time.Time // when due: the schedule's time
}

// drillSchedules lists the stanzas' drill schedules; "off" leaves a
// stanza out.
func drillSchedules(cfg config.Backups) []drillSchedule {
	var out []drillSchedule
	for _, st := range cfg.Stanzas {
		spec := strings.TrimSpace(st.Drill.Schedule)
		switch {
		case strings.EqualFold(spec, config.BackupScheduleOff):
			continue
		case spec == "":
			spec = config.DefaultDrillSchedule
		}
		tz := st.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		out = append(out, drillSchedule{Stanza: st.Name, Spec: spec, TimeZone: tz})
	}
	return out
}
