package alerting

import (
	"context"
	"net/url"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	promrules "github.com/prometheus/prometheus/rules"
)

// NotifyFunc returns the function Prometheus' rule manager calls with
// alerts to send: they pass in-process into the alert store, with the
// external labels added, as Prometheus' notifier would send them.
func (m *Manager) NotifyFunc(externalLabels func() labels.Labels) promrules.NotifyFunc {
	return func(ctx context.Context, expr string, rulesAlerts ...*promrules.Alert) {
		now := time.Now()
		ext := externalLabels()
		generator := ownGeneratorPrefix(m.opts.ExternalURL) + url.Values{"g0.expr": {expr}, "g0.tab": {"1"}}.Encode()
		out := make([]*alert.Alert, 0, len(rulesAlerts))
		for _, ra := range rulesAlerts {
			ls := model.LabelSet{}
			ext.Range(func(l labels.Label) { ls[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
			ra.Labels.Range(func(l labels.Label) { ls[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
			ann := model.LabelSet{}
			ra.Annotations.Range(func(l labels.Label) { ann[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
			a := model.Alert{Labels: ls, Annotations: ann, StartsAt: ra.FiredAt, GeneratorURL: generator}
			// Never expired by time while firing (ownalerts.go).
			a.EndsAt = ownEndsAt(ra.ResolvedAt)
			if err := a.Validate(); err != nil {
				m.logger.Error("dropping invalid alert", "alertname", ra.Labels.Get(labels.AlertName), "err", err)
				continue
			}
			out = append(out, alert.New(a, now, false))
		}
		if len(out) == 0 {
			return
		}
		if err := m.alerts.Put(ctx, out...); err != nil {
			m.logger.Error("storing alerts failed", "err", err)
		}
	}
}
