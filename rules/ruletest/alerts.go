package ruletest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/rules"
)

// alertSchedule holds the alert_rule_test cases by eval_time, so each is
// checked right after the evaluation it observes instead of keeping every
// evaluation's alerts in memory.
type alertSchedule struct {
	times []time.Duration                   // distinct eval_times, ascending
	cases map[time.Duration][]alertTestCase // by eval_time, in file order
	next  int                               // index in times of the next one due
}

// newAlertSchedule indexes cases. Every case must name its alert.
func newAlertSchedule(cases []alertTestCase) (*alertSchedule, error) {
	s := &alertSchedule{cases: make(map[time.Duration][]alertTestCase)}
	for _, tc := range cases {
		if tc.Alertname == "" {
			return nil, fmt.Errorf("an item under alert_rule_test misses required attribute alertname at eval_time %v", tc.EvalTime)
		}
		t := time.Duration(tc.EvalTime)
		if _, ok := s.cases[t]; !ok {
			s.times = append(s.times, t)
		}
		s.cases[t] = append(s.cases[t], tc)
	}
	slices.Sort(s.times)
	return s, nil
}

// due returns the eval_times observed by the evaluation at offset from the
// start: those in [offset, offset+interval). An eval_time between two
// evaluations sees the earlier one, as in promtool.
func (s *alertSchedule) due(offset, interval time.Duration) []time.Duration {
	first := s.next
	for s.next < len(s.times) && offset <= s.times[s.next] && s.times[s.next] < offset+interval {
		s.next++
	}
	return s.times[first:s.next]
}

// checkAlerts compares the firing alerts of each case's alertname, across
// all groups, with what the case expects. Pending alerts do not count.
func (tg *testGroup) checkAlerts(groups []*rules.Group, cases []alertTestCase, env groupEnv) []error {
	var errs []error
	for _, tc := range cases {
		got := firingAlerts(groups, tc.Alertname)
		exp := expectedAlerts(tc)
		if slices.EqualFunc(exp, got, alertEqual) {
			continue
		}
		var b strings.Builder
		b.WriteString(tg.nameLine())
		fmt.Fprintf(&b, "    alertname: %s, time: %s,\n", tc.Alertname, tc.EvalTime)
		if env.diff {
			fmt.Fprintf(&b, "        diff:\n            %s", indent(lineDiff(exp.lines(), got.lines()), "            "))
		} else {
			fmt.Fprintf(&b, "        exp:%s,\n        got:%s", indent(exp.String(), "            "), indent(got.String(), "            "))
		}
		errs = append(errs, errors.New(strings.TrimRight(b.String(), "\n")))
	}
	return errs
}

// alert is a firing alert as a test sees it: labels (with alertname) and
// expanded annotations.
type alert struct {
	Labels      labels.Labels
	Annotations labels.Labels
}

func alertEqual(a, b alert) bool {
	return labels.Equal(a.Labels, b.Labels) && labels.Equal(a.Annotations, b.Annotations)
}

func compareAlerts(a, b alert) int {
	if c := labels.Compare(a.Labels, b.Labels); c != 0 {
		return c
	}
	return labels.Compare(a.Annotations, b.Annotations)
}

// alertList is a sorted list of alerts.
type alertList []alert

// firingAlerts collects the firing alerts of every alerting rule called name;
// the same name may be used in several groups.
func firingAlerts(groups []*rules.Group, name string) alertList {
	var got alertList
	for _, g := range groups {
		for _, ar := range g.AlertingRules() {
			if ar.Name() != name {
				continue
			}
			for _, a := range ar.ActiveAlerts() {
				if a.State == rules.StateFiring {
					got = append(got, alert{Labels: a.Labels.Copy(), Annotations: a.Annotations.Copy()})
				}
			}
		}
	}
	slices.SortFunc(got, compareAlerts)
	return got
}

// expectedAlerts turns a case's exp_alerts into alerts, adding the alertname
// label that the rule manager adds and the file leaves out.
func expectedAlerts(tc alertTestCase) alertList {
	var exp alertList
	for _, ea := range tc.ExpAlerts {
		lset := maps.Clone(ea.ExpLabels)
		if lset == nil {
			lset = make(map[string]string, 1)
		}
		lset[labels.AlertName] = tc.Alertname
		exp = append(exp, alert{Labels: labels.FromMap(lset), Annotations: labels.FromMap(ea.ExpAnnotations)})
	}
	slices.SortFunc(exp, compareAlerts)
	return exp
}

// String renders the list the way promtool prints it in a failure.
func (l alertList) String() string {
	if len(l) == 0 {
		return "[]"
	}
	var b strings.Builder
	b.WriteString("[")
	for i, a := range l {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n%d:\n  Labels:%s\n  Annotations:%s", i, a.Labels, a.Annotations)
	}
	b.WriteString("\n]")
	return b.String()
}

// lines renders one alert per line, for diffing.
func (l alertList) lines() []string {
	out := make([]string, len(l))
	for i, a := range l {
		out[i] = "Labels:" + a.Labels.String() + " Annotations:" + a.Annotations.String()
	}
	return out
}

// indent prefixes every line of s but the first with prefix.
func indent(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}
