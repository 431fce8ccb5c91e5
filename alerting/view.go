package alerting

import (
	"context"
	"sort"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/labelset"
	"github.com/prometheus/alertmanager/marker"
	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/alertmanager/silence"
	"github.com/prometheus/common/model"
)

// AlertView is one alert held by the pipeline, as the console shows it.
type AlertView struct {
	Fingerprint  string
	Labels       model.LabelSet
	Annotations  model.LabelSet
	StartsAt     time.Time
	EndsAt       time.Time
	UpdatedAt    time.Time
	GeneratorURL string
	// Silenced and inhibited name the silences and the alerts that mute
	// it now; an alert is active when both are empty.
	SilencedBy  []string
	InhibitedBy []string
}

// Active reports whether the alert is neither silenced nor inhibited.
func (a AlertView) Active() bool { return len(a.SilencedBy) == 0 && len(a.InhibitedBy) == 0 }

// Severity is the alert's severity label, "none" when it has none.
func (a AlertView) Severity() string {
	if s := a.Labels["severity"]; s != "" {
		return string(s)
	}
	return "none"
}

// Alerts returns the unresolved alerts held that match every matcher,
// oldest first, at most limit of them (limit <= 0: all), with whether
// each is silenced or inhibited now, as Alertmanager's API predicts it:
// through the current inhibitor and silences, not the last
// notification's markers. total is how many matched.
func (m *Manager) Alerts(ctx context.Context, matchers []*labels.Matcher, limit int) (views []AlertView, total int) {
	mutes := m.mutes.Load()
	now := time.Now()
	it := m.alerts.GetPending()
	defer it.Close()
	for pa := range it.Next() {
		a := pa.Data
		if a == nil || a.ResolvedAt(now) || !matches(a.Labels, matchers) {
			continue
		}
		total++
		v := AlertView{
			Fingerprint: a.Fingerprint().String(), Labels: a.Labels, Annotations: a.Annotations,
			StartsAt: a.StartsAt, EndsAt: a.EndsAt, UpdatedAt: a.UpdatedAt, GeneratorURL: a.GeneratorURL,
		}
		if mutes != nil {
			var c statusCollector
			(*mutes)(marker.WithContext(ctx, &c), a.LabelSet())
			v.SilencedBy, v.InhibitedBy = c.silencedBy, c.inhibitedBy
		}
		views = append(views, v)
	}
	sort.Slice(views, func(i, j int) bool {
		if !views[i].StartsAt.Equal(views[j].StartsAt) {
			return views[i].StartsAt.Before(views[j].StartsAt)
		}
		return views[i].Fingerprint < views[j].Fingerprint
	})
	if limit > 0 && len(views) > limit {
		views = views[:limit]
	}
	return views, total
}

func matches(ls model.LabelSet, ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches(string(ls[model.LabelName(m.Name)])) {
			return false
		}
	}
	return true
}

// Summary counts what the console's overview shows of the alert
// pipeline.
type Summary struct {
	// Firing counts active alerts (neither silenced nor inhibited) by
	// severity label ("none" for alerts without one).
	Firing    map[string]int
	Silenced  int
	Inhibited int
	// Silences is how many silences are in force.
	Silences int
}

// Summary counts the alerts held by state and severity, and the active
// silences.
func (m *Manager) Summary(ctx context.Context) Summary {
	s := Summary{Firing: map[string]int{}}
	views, _ := m.Alerts(ctx, nil, 0)
	for _, v := range views {
		switch {
		case len(v.SilencedBy) > 0:
			s.Silenced++
		case len(v.InhibitedBy) > 0:
			s.Inhibited++
		default:
			s.Firing[v.Severity()]++
		}
	}
	if n, err := m.silences.CountState(ctx, silence.SilenceStateActive); err == nil {
		s.Silences = n
	}
	return s
}

// mutesFunc runs the inhibitor and silencer over a label set, reporting
// what mutes it to the marker in the context.
type mutesFunc func(context.Context, labelset.LabelSet)

// statusCollector is a marker.AlertMarker that keeps the outcome of one
// run of the mutes for one alert, as Alertmanager's API does.
type statusCollector struct {
	silencedBy, inhibitedBy []string
}

var _ marker.AlertMarker = (*statusCollector)(nil)

func (c *statusCollector) SetSilenced(_ model.Fingerprint, ids []string)  { c.silencedBy = ids }
func (c *statusCollector) SetInhibited(_ model.Fingerprint, ids []string) { c.inhibitedBy = ids }
func (c *statusCollector) Status(model.Fingerprint) alert.AlertStatus {
	st := alert.AlertStatus{State: alert.AlertStateActive, SilencedBy: c.silencedBy, InhibitedBy: c.inhibitedBy}
	if len(c.silencedBy) > 0 || len(c.inhibitedBy) > 0 {
		st.State = alert.AlertStateSuppressed
	}
	return st
}
func (c *statusCollector) Delete(...model.Fingerprint) { *c = statusCollector{} }
