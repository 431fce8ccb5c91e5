package alerting

import (
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	promrules "github.com/prometheus/prometheus/rules"
)

// RuleState answers ResolveInactive from the loaded alerting
// rules: an alert is held while any rule of its name holds it (pending
// or firing, its labels as NotifyFunc sends them, external labels
// included), or while some rule of its name has not finished an
// evaluation begun after the alert was last sent.
func RuleState(rules []*promrules.AlertingRule, ext labels.Labels) func(model.LabelSet, time.Time) OwnAlertState {
	byName := map[string][]*promrules.AlertingRule{}
	for _, r := range rules {
		byName[r.Name()] = append(byName[r.Name()], r)
	}
	return func(ls model.LabelSet, sentAt time.Time) OwnAlertState {
		rs := byName[string(ls[model.AlertNameLabel])]
		if len(rs) == 0 {
			return OwnAlertNoRule
		}
		fp := ls.Fingerprint()
		state := OwnAlertInactive
		for _, r := range rs {
			// Active alerts first, then the timestamp: an evaluation
			// finishing in between only makes the answer older.
			for _, ra := range r.ActiveAlerts() {
				if notifiedLabels(ra.Labels, ext).Fingerprint() == fp {
					return OwnAlertActive
				}
			}
			if !r.GetEvaluationTimestamp().After(sentAt) {
				state = OwnAlertActive
			}
		}
		return state
	}
}

// notifiedLabels are an alert's labels as NotifyFunc stores
// them: the external labels, overridden by the alert's.
func notifiedLabels(ls, ext labels.Labels) model.LabelSet {
	out := model.LabelSet{}
	ext.Range(func(l labels.Label) { out[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
	ls.Range(func(l labels.Label) { out[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
	return out
}
