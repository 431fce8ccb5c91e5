package email

import (
	"time"

	"github.com/prometheus/common/model"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/alertmanager/template"
)

// check renders every template against sample notifications and builds the
// resulting messages, so template and address errors surface when the
// config is loaded. A template that only fails for some real data can still
// fail at send time; those failures are reported as unrecoverable template
// errors.
func (n *Notifier) check() error {
	now := time.Now()
	firing, resolved := sampleAlerts(now)
	group := model.LabelSet{model.AlertNameLabel: "HostHighCPU"}
	samples := []*template.Data{
		n.tmpl.Data("sample", group, nil, notify.ReasonNewResolvedAlerts.String(), append(firing, resolved...)...),
		n.tmpl.Data("sample", group, nil, notify.ReasonAllAlertsResolved.String(), resolved...),
	}
	for _, data := range samples {
		out, err := n.render.render(data)
		if err != nil {
			return err
		}
		th := thread{}
		if n.threading {
			th = threadOf(notify.Key("{}:{alertname=\"HostHighCPU\"}"), n.byDate)
		}
		if _, err := newMessage(out, th, now); err != nil {
			return err
		}
	}
	return nil
}

// sampleAlerts returns two firing alerts and one resolved alert shaped like
// the output of a typical node_exporter rule.
func sampleAlerts(now time.Time) (firing, resolved []*alert.Alert) {
	mk := func(instance string, endsAt time.Time) *alert.Alert {
		return alert.New(model.Alert{
			Labels: model.LabelSet{
				model.AlertNameLabel: "HostHighCPU",
				"instance":           model.LabelValue(instance),
				"job":                "node",
				"severity":           "critical",
			},
			Annotations: model.LabelSet{
				"summary":     model.LabelValue("CPU above 90% on " + instance),
				"description": "CPU usage has been above 90% for 5 minutes.",
				"runbook_url": "https://runbooks.example.com/HostHighCPU",
			},
			StartsAt:     now.Add(-10 * time.Minute),
			EndsAt:       endsAt,
			GeneratorURL: "https://ward.example.com/graph?g0.expr=up",
		}, now, false)
	}
	firing = []*alert.Alert{
		mk("127.0.0.1:9100", time.Time{}),
		mk("127.0.0.1:9101", time.Time{}),
	}
	resolved = []*alert.Alert{mk("127.0.0.1:9102", now.Add(-time.Minute))}
	return firing, resolved
}
