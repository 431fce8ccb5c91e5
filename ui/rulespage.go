package ui

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	promrules "github.com/prometheus/prometheus/rules"
)

// ruleGroupView is one rule group as /rules shows it.
type ruleGroupView struct {
	Name, File     string
	ID             string
	Interval       time.Duration
	LastEvaluation time.Time
	Duration       time.Duration
	Rules          []ruleView
	Unhealthy      int
}

// ruleView is one recording or alerting rule.
type ruleView struct {
	ID, Name, Expr string
	Alerting       bool
	Health         string // ok, err, unknown
	Error          string
	LastEvaluation time.Time
	Duration       time.Duration
	For, KeepFor   time.Duration
	Labels         string
	Firing         int
	Pending        int
}

// maxRulesShown bounds the rules one page lists.
const maxRulesShown = 5000

// rulesPage serves GET /rules: every rule group and rule, with health,
// last evaluation and error. Each rule has the id RuleAnchor(group,
// rule), so that alerts can link to it.
func (s *Server) rulesPage(w http.ResponseWriter, r *http.Request) {
	var groups []ruleGroupView
	shown, total := 0, 0
	// Prometheus allows one name for several rules of a group; each row
	// still needs its own id, so repeats get -2, -3...
	ids := map[string]int{}
	if s.deps.Rules != nil {
		for _, g := range s.deps.Rules.RuleGroups() {
			gv := ruleGroupView{
				Name: g.Name(), File: g.File(), ID: "group-" + slug(g.Name()), Interval: g.Interval(),
				LastEvaluation: g.GetLastEvaluation(), Duration: g.GetEvaluationTime(),
			}
			for _, rule := range g.Rules() {
				total++
				if shown >= maxRulesShown {
					continue
				}
				shown++
				rv := ruleViewOf(g.Name(), rule)
				if ids[rv.ID]++; ids[rv.ID] > 1 {
					rv.ID += "-" + strconv.Itoa(ids[rv.ID])
				}
				gv.Rules = append(gv.Rules, rv)
				if rule.Health() == promrules.HealthBad {
					gv.Unhealthy++
				}
			}
			groups = append(groups, gv)
		}
	}
	p := s.page(r, "Rules")
	p.Live = true
	s.render(w, r, http.StatusOK, rulesPageView(p, rulesView{Now: s.now(), Groups: groups, Total: total, Shown: shown}))
}

type rulesView struct {
	Now          time.Time
	Groups       []ruleGroupView
	Total, Shown int
}

func ruleViewOf(group string, rule promrules.Rule) ruleView {
	v := ruleView{
		ID: RuleAnchor(group, rule.Name()), Name: rule.Name(), Expr: rule.Query().String(),
		Health: string(rule.Health()), LastEvaluation: rule.GetEvaluationTimestamp(), Duration: rule.GetEvaluationDuration(),
		Labels: rule.Labels().String(),
	}
	if rule.Labels().IsEmpty() {
		v.Labels = ""
	}
	if err := rule.LastError(); err != nil {
		v.Error = clip(err.Error(), 1024)
	}
	if ar, ok := rule.(*promrules.AlertingRule); ok {
		v.Alerting = true
		v.For, v.KeepFor = ar.HoldDuration(), ar.KeepFiringFor()
		ar.ForEachActiveAlert(func(a *promrules.Alert) {
			switch a.State {
			case promrules.StateFiring:
				v.Firing++
			case promrules.StatePending:
				v.Pending++
			}
		})
	}
	return v
}

// alertFilter is the query value of /alerts' filter for one alert name,
// escaped for a URL.
func alertFilter(name string) string {
	return url.QueryEscape(`{alertname="` + name + `"}`)
}

// tagIf returns class when cond holds.
func tagIf(cond bool, class string) string {
	if cond {
		return class
	}
	return ""
}
