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
	// active holds, per alert name, the fingerprints of its rules'
	// active alerts, read once per name on first use: one pass over a
	// rule's alerts per check round, not one per alert checked.
	active := map[string]map[model.Fingerprint]bool{}
	return func(ls model.LabelSet, sentAt time.Time) OwnAlertState {
		name := string(ls[model.AlertNameLabel])
		rs := byName[name]
		if len(rs) == 0 {
			return OwnAlertNoRule
		}
		// Active alerts first, then the timestamps: an evaluation
		// finishing in between only makes the answer older.
		fps, ok := active[name]
		if !ok {
			fps = map[model.Fingerprint]bool{}
			for _, r := range rs {
				for _, ra := range r.ActiveAlerts() {
					fps[notifiedLabels(ra.Labels, ext).Fingerprint()] = true
				}
			}
			active[name] = fps
		}
		if fps[ls.Fingerprint()] {
			return OwnAlertActive
		}
		for _, r := range rs {
			if !r.GetEvaluationTimestamp().After(sentAt) {
				return OwnAlertActive
			}
		}
		return OwnAlertInactive
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
