package app

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	promrules "github.com/prometheus/prometheus/rules"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/events"
)

// eventLabels are the alert labels an event keeps (events.MaxLabels at
// most): enough to find the alert again.
var eventLabels = []string{"alertname", "severity", "job", "instance", "service", "check", "receiver"}

// snapshot is what the events watcher sees of ward: the alerts held by
// the pipeline, the health report (checks and ward's own components), the
// active scrape targets and the silences in force.
func (a *App) snapshot(ctx context.Context) events.Snapshot {
	var s events.Snapshot
	views, _ := a.alerting.Alerts(ctx, nil, 0)
	for _, v := range views {
		ls := map[string]string{}
		for _, n := range eventLabels {
			if val := v.Labels[model.LabelName(n)]; val != "" {
				ls[n] = string(val)
			}
		}
		s.Alerts = append(s.Alerts, events.AlertState{
			Fingerprint: v.Fingerprint, Name: string(v.Labels["alertname"]), Severity: v.Severity(),
			StartsAt: v.StartsAt, Summary: string(v.Annotations["summary"]), Muted: !v.Active(), Labels: ls,
		})
	}
	h := a.health(ctx)
	for _, c := range h.Checks {
		s.Checks = append(s.Checks, events.CheckState{Name: c.Check, Status: string(c.Status), Critical: c.Critical, Error: c.Error})
	}
	for _, c := range h.Components {
		// ward's own parts count as critical, as in the health report.
		s.Checks = append(s.Checks, events.CheckState{Name: "ward " + c.Name, Status: string(c.Status), Critical: true, Error: c.Error})
	}
	active := a.collector.Targets().TargetsActive()
	pools := make([]string, 0, len(active))
	for p := range active {
		pools = append(pools, p)
	}
	sort.Strings(pools)
	var b labels.Builder
	for _, pool := range pools {
		for _, t := range active[pool] {
			ls := t.Labels(&b)
			st := events.TargetState{Job: ls.Get("job"), Instance: ls.Get("instance"), Health: string(t.Health())}
			if st.Job == "" {
				st.Job = pool
			}
			if err := t.LastError(); err != nil {
				st.Error = err.Error()
			}
			s.Targets = append(s.Targets, st)
		}
	}
	s.Silences = a.alerting.ActiveSilences(ctx)
	// The rules page and pending alerts: each rule's health, each
	// alerting rule's pending and firing alerts.
	for _, g := range a.rules.Prometheus().RuleGroups() {
		for _, r := range g.Rules() {
			s.Other = append(s.Other, "rule\x00"+g.File()+"\x00"+g.Name()+"\x00"+r.Name()+"\x00"+string(r.Health()))
			if ar, ok := r.(*promrules.AlertingRule); ok {
				for _, al := range ar.ActiveAlerts() {
					s.Other = append(s.Other, fmt.Sprintf("alert\x00%d\x00%s", al.Labels.Hash(), al.State))
				}
			}
		}
	}
	return s
}

// eventObserver turns the alert pipeline's delivery attempts and
// fallbacks into events.
type eventObserver struct{ log *events.Log }

var _ alerting.Observer = eventObserver{}

func (o eventObserver) Attempted(d alerting.Delivery) {
	what := fmt.Sprintf("%d alert(s)", d.Alerts)
	if d.Resolved {
		what = fmt.Sprintf("%d resolved alert(s)", d.Alerts)
	}
	e := events.Event{
		Time: d.Time, Subject: d.Receiver,
		Labels: map[string]string{"receiver": d.Receiver, "integration": d.Integration},
	}
	switch d.Status {
	case "success":
		e.Kind, e.Severity = events.NotificationDelivered, events.SeverityOK
		e.Text = fmt.Sprintf("%s sent to %s through %s in %s", what, d.Receiver, d.Integration, d.Duration.Round(time.Millisecond))
	case "retry":
		e.Kind, e.Severity = events.NotificationFailed, events.SeverityWarning
		e.Text = fmt.Sprintf("sending %s to %s through %s failed; retrying: %s", what, d.Receiver, d.Integration, d.Error)
	default:
		e.Kind, e.Severity = events.NotificationFailed, events.SeverityCritical
		e.Text = fmt.Sprintf("sending %s to %s through %s failed: %s", what, d.Receiver, d.Integration, d.Error)
	}
	o.log.Record(e)
}

func (o eventObserver) FellBack(receiver, fallback string, failingFor time.Duration, err error) {
	msg := ""
	if err != nil {
		msg = ": " + err.Error()
	}
	o.log.Record(events.Event{
		Kind: events.NotificationFallback, Severity: events.SeverityWarning, Subject: receiver,
		Text:   fmt.Sprintf("%s has been failing for %s; notified its fallback %s%s", receiver, failingFor.Round(time.Second), fallback, msg),
		Labels: map[string]string{"receiver": receiver, "fallback": fallback},
	})
}

// recordReload puts a reload attempt on the timeline.
func (a *App) recordReload(source string, err error) {
	e := events.Event{Kind: events.ConfigReloadOK, Severity: events.SeverityOK, Subject: source, Text: "configuration reloaded from " + source}
	if err != nil {
		e.Kind, e.Severity = events.ConfigReloadFailed, events.SeverityWarning
		e.Text = "configuration reload rejected; the previous configuration keeps running: " + strings.TrimSpace(err.Error())
	}
	a.events.Record(e)
}
