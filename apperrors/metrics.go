package apperrors

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Label bounds: per project, the first MaxLabelEnvironments environments
// and MaxLabelReleases releases seen since start get their own label
// value, later ones are "other"; levels outside Sentry's five are
// "other". The recent-issue gauge holds at most MaxRecentIssues series
// (the oldest goes first): an issue's series is 1 from when it is new or
// regressed until it is resolved or ignored, and at most RecentFor;
// titles are cut to maxRecentTitle runes.
const (
	MaxLabelEnvironments = 10
	MaxLabelReleases     = 20
	MaxRecentIssues      = 100
	RecentFor            = 24 * time.Hour
	maxRecentTitle       = 80
	labelOther           = "other"
)

type metrics struct {
	events      *prometheus.CounterVec
	newIssues   *prometheus.CounterVec
	regressions *prometheus.CounterVec
	overflow    *prometheus.CounterVec
	recent      *prometheus.GaugeVec
	queueEvents prometheus.Gauge
	queueBytes  prometheus.Gauge
	dropped     *prometheus.CounterVec
	stored      prometheus.Gauge
	latency     prometheus.Histogram

	mu       sync.Mutex
	envs     map[string]map[string]bool // project -> environments with a label
	releases map[string]map[string]bool
	recentBy map[string]recentSeries // issue id -> its series
}

type recentSeries struct {
	labels  []string
	expires time.Time
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_app_errors_total", Help: "Error events received from the apps' Sentry SDKs and processed.",
		}, []string{"project", "environment", "release", "level"}),
		newIssues: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_app_issues_new_total", Help: "Error issues seen for the first time.",
		}, []string{"project", "environment"}),
		regressions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_app_issue_regressions_total", Help: "Resolved error issues that happened again.",
		}, []string{"project", "environment"}),
		overflow: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_app_issue_overflow_total", Help: "Error events of a new kind counted into their project's overflow issue because the project has 10,000 issues.",
		}, []string{"project"}),
		recent: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ward_app_issue_recent", Help: "1 while an error issue that is new or regressed stays unresolved (at most 24 hours; the per-issue alerts).",
		}, []string{"project", "environment", "issue", "kind", "title"}),
		queueEvents: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ward_app_errors_queue_events", Help: "Error events accepted and not yet processed.",
		}),
		queueBytes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ward_app_errors_queue_bytes", Help: "Bytes of error events accepted and not yet processed.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ward_app_errors_dropped_total", Help: "Error events not stored: refused (queue full), unknown project, malformed, or a failed write.",
		}, []string{"reason"}),
		stored: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "ward_app_errors_stored_bytes", Help: "Bytes of error event samples on disk, each payload file counted in whole 4 KiB blocks.",
		}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "ward_app_errors_visible_seconds", Help: "Time from accepting an error event to its being visible on the pages.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		envs:     map[string]map[string]bool{},
		releases: map[string]map[string]bool{},
		recentBy: map[string]recentSeries{},
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	for _, c := range []prometheus.Collector{m.events, m.newIssues, m.regressions, m.overflow, m.recent,
		m.queueEvents, m.queueBytes, m.dropped, m.stored, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for _, r := range []string{"queue_full", "unknown_project", "malformed", "store"} {
		m.dropped.WithLabelValues(r)
	}
	return m, nil
}

// bounded returns v, or "other" once the project has max other values.
func bounded(seen map[string]map[string]bool, project, v string, max int) string {
	s := seen[project]
	if s == nil {
		s = map[string]bool{}
		seen[project] = s
	}
	if s[v] {
		return v
	}
	if len(s) >= max {
		return labelOther
	}
	s[v] = true
	return v
}

func boundedLevel(l string) string {
	switch l {
	case "fatal", "error", "warning", "info", "debug":
		return l
	}
	return labelOther
}

// labels are an event's environment and release label values.
func (m *metrics) labels(project string, e *Event) (env, release string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bounded(m.envs, project, e.Environment, MaxLabelEnvironments),
		bounded(m.releases, project, e.Release, MaxLabelReleases)
}

// noteRecent sets the issue's recent series (kind "new" or "regressed")
// until now+RecentFor.
func (m *metrics) noteRecent(project, env string, is *Issue, kind string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.recentBy[is.ID]; ok {
		m.recent.DeleteLabelValues(old.labels...)
		delete(m.recentBy, is.ID)
	}
	for len(m.recentBy) >= MaxRecentIssues {
		var oldest string
		for id, s := range m.recentBy {
			if oldest == "" || s.expires.Before(m.recentBy[oldest].expires) {
				oldest = id
			}
		}
		m.recent.DeleteLabelValues(m.recentBy[oldest].labels...)
		delete(m.recentBy, oldest)
	}
	labels := []string{project, env, is.ID, kind, recentTitle(is.Title)}
	m.recent.WithLabelValues(labels...).Set(1)
	m.recentBy[is.ID] = recentSeries{labels: labels, expires: now.Add(RecentFor)}
}

// expireRecent removes the recent series whose time is up.
func (m *metrics) expireRecent(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, s := range m.recentBy {
		if !now.Before(s.expires) {
			m.recent.DeleteLabelValues(s.labels...)
			delete(m.recentBy, id)
		}
	}
}

// retitle gives the issue's recent series, if it has one, the issue's
// (new) title.
func (m *metrics) retitle(is *Issue) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.recentBy[is.ID]
	if !ok {
		return
	}
	m.recent.DeleteLabelValues(old.labels...)
	labels := append([]string(nil), old.labels...)
	labels[4] = recentTitle(is.Title)
	m.recent.WithLabelValues(labels...).Set(1)
	old.labels = labels
	m.recentBy[is.ID] = old
}

func recentTitle(t string) string {
	title := []rune(t)
	if len(title) > maxRecentTitle {
		title = title[:maxRecentTitle]
	}
	return string(title)
}

// forgetRecent removes the issue's recent series (it was resolved or
// ignored: its alert ends).
func (m *metrics) forgetRecent(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.recentBy[id]; ok {
		m.recent.DeleteLabelValues(old.labels...)
		delete(m.recentBy, id)
	}
}
