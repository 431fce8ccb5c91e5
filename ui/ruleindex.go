package ui

import (
	"strconv"
	"time"

	"github.com/prometheus/alertmanager/pkg/labels"
	"github.com/prometheus/common/model"
	promlabels "github.com/prometheus/prometheus/model/labels"
	promrules "github.com/prometheus/prometheus/rules"
)

// ruleRef names the alerting rule behind an alert, for the alerts page.
type ruleRef struct {
	Group, Name, Expr string
}

// Anchor is the rule's place on the rules page (its first rule of that
// name in the group).
func (r ruleRef) Anchor() string { return "/rules#" + RuleAnchor(r.Group, r.Name) }

// ruleAlert is an active alert of an alerting rule: pending, or firing
// with the value of its last evaluation.
type ruleAlert struct {
	Rule     ruleRef
	Labels   model.LabelSet
	Ann      model.LabelSet
	State    promrules.AlertState
	Value    float64
	ActiveAt time.Time
}

// ruleIndex holds the active alerts of every alerting rule, to find the
// rule and current value of an alert held by the pipeline.
type ruleIndex struct {
	firing  map[model.LabelValue][]ruleAlert // by alertname
	pending []ruleAlert
}

// indexRules reads the rule manager (nil: no rules). Pending alerts are
// kept only when they match every matcher.
func indexRules(m *promrules.Manager, matchers labels.Matchers) ruleIndex {
	idx := ruleIndex{firing: map[model.LabelValue][]ruleAlert{}}
	if m == nil {
		return idx
	}
	for _, g := range m.RuleGroups() {
		for _, r := range g.Rules() {
			ar, ok := r.(*promrules.AlertingRule)
			if !ok {
				continue
			}
			ref := ruleRef{Group: g.Name(), Name: ar.Name(), Expr: ar.Query().String()}
			for _, a := range ar.ActiveAlerts() {
				ra := ruleAlert{Rule: ref, Labels: labelSet(a.Labels), Ann: labelSet(a.Annotations), State: a.State, Value: a.Value, ActiveAt: a.ActiveAt}
				switch a.State {
				case promrules.StatePending:
					if matchAll(ra.Labels, matchers) {
						idx.pending = append(idx.pending, ra)
					}
				case promrules.StateFiring:
					name := ra.Labels[model.AlertNameLabel]
					idx.firing[name] = append(idx.firing[name], ra)
				}
			}
		}
	}
	return idx
}

// lookup finds the firing rule alert whose labels an alert carries (the
// alert also carries the external labels): the one sharing the most.
func (idx ruleIndex) lookup(ls model.LabelSet) (ruleAlert, bool) {
	var best ruleAlert
	found := false
	for _, ra := range idx.firing[ls[model.AlertNameLabel]] {
		if !subset(ra.Labels, ls) {
			continue
		}
		if !found || len(ra.Labels) > len(best.Labels) {
			best, found = ra, true
		}
	}
	return best, found
}

func subset(small, big model.LabelSet) bool {
	for n, v := range small {
		if big[n] != v {
			return false
		}
	}
	return true
}

func matchAll(ls model.LabelSet, ms labels.Matchers) bool {
	for _, m := range ms {
		if !m.Matches(string(ls[model.LabelName(m.Name)])) {
			return false
		}
	}
	return true
}

func labelSet(ls promlabels.Labels) model.LabelSet {
	out := make(model.LabelSet, ls.Len())
	ls.Range(func(l promlabels.Label) { out[model.LabelName(l.Name)] = model.LabelValue(l.Value) })
	return out
}

// valueText writes a sample value compactly, as Prometheus' UI does.
func valueText(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }
