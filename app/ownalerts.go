package app

import (
	"context"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	promrules "github.com/prometheus/prometheus/rules"

	"github.com/ward-monitoring/ward/alerting"
)

// ownAlertsTick is how often ward looks for alerts of its own rules that
// no evaluation will resolve (alerting/ownalerts.go): those of a rule a
// reload removed, or that the first evaluation after a restart found
// inactive. Their RESOLVED goes out at most this late.
const ownAlertsTick = 5 * time.Second

// resolveInactive runs alerting.ResolveInactive on every tick until ctx
// ends. Ward's own firing alerts never expire by time in the alert store:
// they resolve on an evaluation that found them inactive, never because
// an evaluation was late.
func (a *App) resolveInactive(ctx context.Context) error {
	t := time.NewTicker(ownAlertsTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			a.alerting.ResolveInactive(ownAlertState(a.rules.Prometheus().AlertingRules(),
				a.cfg.Load().Prometheus.GlobalConfig.ExternalLabels))
		}
	}
}

// ownAlertState answers alerting.ResolveInactive from the loaded alerting
// rules: an alert is held while any rule of its name holds it (pending
// or firing, its labels as NotifyFunc sends them, external labels
// included), or while some rule of its name has not finished an
// evaluation begun after the alert was last sent.
func ownAlertState(rules []*promrules.AlertingRule, ext labels.Labels) func(model.LabelSet, time.Time) alerting.OwnAlertState {
	byName := map[string][]*promrules.AlertingRule{}
	for _, r := range rules {
		byName[r.Name()] = append(byName[r.Name()], r)
	}
	return func(ls model.LabelSet, sentAt time.Time) alerting.OwnAlertState {
		rs := byName[string(ls[model.AlertNameLabel])]
		if len(rs) == 0 {
			return alerting.OwnAlertNoRule
		}
		fp := ls.Fingerprint()
		state := alerting.OwnAlertInactive
		for _, r := range rs {
			// Active alerts first, then the timestamp: an evaluation
			// finishing in between only makes the answer older.
			for _, ra := range r.ActiveAlerts() {
				if notifiedLabels(ra.Labels, ext).Fingerprint() == fp {
					return alerting.OwnAlertActive
				}
			}
			if !r.GetEvaluationTimestamp().After(sentAt) {
				state = alerting.OwnAlertActive
			}
		}
		return state
	}
}

// notifiedLabels are an alert's labels as alerting.NotifyFunc stores
// them: the external labels, overridden by the alert's.
func notifiedLabels(ls, ext labels.Labels) model.LabelSet {
	out := model.LabelSet{}
	ext.Range(func(l labels.Label) { out[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
	ls.Range(func(l labels.Label) { out[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
	return out
}
