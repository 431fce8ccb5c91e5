package ui

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/auth"
)

// maxAlertsShown bounds the alerts /alerts renders; the page says how
// many more matched. 500 is the benchmark load.
const maxAlertsShown = 500

// alertRow is one alert as /alerts shows it.
type alertRow struct {
	Name, Severity, State string
	Labels                []labelPair
	Summary, Description  string
	Since                 time.Time
	Rule                  *ruleRef
	Value                 string // the rule's last value, "" when unknown
	Runbook, Source       string // absolute http(s) URLs or ""
	SilenceHref           string // operators: a silence form for this alert
	SilencedBy            []string
	InhibitedBy           []string
}

type labelPair struct{ Name, Value string }

// alertGroupRow is one dispatcher group, or the group of pending alerts.
type alertGroupRow struct {
	Heading  string
	Receiver string
	Alerts   []alertRow
}

type alertsView struct {
	Query      alertsQuery
	Counts     map[string]int // by state, across the filter
	Groups     []alertGroupRow
	Shown      int
	More       int // matching alerts not rendered (maxAlertsShown)
	CanSilence bool
	Now        time.Time
}

// Tabs lists the state filters with their links and counts.
func (v alertsView) Tabs() []stateTab {
	tabs := []stateTab{{Label: "All", State: "", Count: v.Counts["firing"] + v.Counts["pending"] + v.Counts["silenced"] + v.Counts["inhibited"]}}
	for _, st := range alertStates {
		tabs = append(tabs, stateTab{Label: strings.ToUpper(st[:1]) + st[1:], State: st, Count: v.Counts[st]})
	}
	for i := range tabs {
		q := url.Values{}
		if v.Query.Filter != "" {
			q.Set("filter", v.Query.Filter)
		}
		if tabs[i].State != "" {
			q.Set("state", tabs[i].State)
		}
		tabs[i].Href = "/alerts"
		if len(q) > 0 {
			tabs[i].Href += "?" + q.Encode()
		}
		tabs[i].Current = tabs[i].State == v.Query.State
	}
	return tabs
}

type stateTab struct {
	Label, State, Href string
	Count              int
	Current            bool
}

// alertsPage serves GET /alerts?filter={...}&state=...: the alerts held
// by the pipeline, grouped as the dispatcher groups them, and the
// rules' pending alerts.
func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) {
	q, err := parseAlertsQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	groups, _, err := s.deps.Alerting.Groups(r.Context(), q.Matchers, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := alertsView{
		Query: q, Counts: map[string]int{}, Now: time.Now(),
		CanSilence: auth.PrincipalFrom(r.Context()).Can(auth.RoleOperator),
	}
	idx := indexRules(s.deps.Rules, q.Matchers)
	seen := map[string]bool{}
	for _, g := range groups {
		row := alertGroupRow{Heading: groupHeading(g.Labels), Receiver: g.Receiver}
		for _, a := range g.Alerts {
			st := viewState(a)
			if !seen[a.Fingerprint] {
				seen[a.Fingerprint] = true
				v.Counts[st]++
			}
			if q.State != "" && q.State != st {
				continue
			}
			if v.Shown >= maxAlertsShown {
				v.More++
				continue
			}
			v.Shown++
			row.Alerts = append(row.Alerts, v.heldRow(a, st, idx))
		}
		if len(row.Alerts) > 0 {
			v.Groups = append(v.Groups, row)
		}
	}
	v.Counts["pending"] = len(idx.pending)
	if q.State == "" || q.State == "pending" {
		sort.Slice(idx.pending, func(i, j int) bool { return idx.pending[i].ActiveAt.Before(idx.pending[j].ActiveAt) })
		row := alertGroupRow{Heading: "Pending: these fire if still true after their rule's for duration"}
		for _, ra := range idx.pending {
			if v.Shown >= maxAlertsShown {
				v.More++
				continue
			}
			v.Shown++
			row.Alerts = append(row.Alerts, v.pendingRow(ra))
		}
		if len(row.Alerts) > 0 {
			v.Groups = append(v.Groups, row)
		}
	}
	pg := s.page(r, "Alerts")
	pg.Live = true
	s.render(w, r, http.StatusOK, alertsPageView(pg, v))
}

// viewState is an alert's state on /alerts: silenced before inhibited,
// as Alertmanager's UI shows a suppressed alert.
func viewState(a alerting.AlertView) string {
	switch {
	case len(a.SilencedBy) > 0:
		return "silenced"
	case len(a.InhibitedBy) > 0:
		return "inhibited"
	}
	return "firing"
}

func (v alertsView) heldRow(a alerting.AlertView, state string, idx ruleIndex) alertRow {
	row := v.baseRow(a.Labels, a.Annotations, state, a.StartsAt)
	row.Source = webURL(a.GeneratorURL)
	row.SilencedBy, row.InhibitedBy = a.SilencedBy, a.InhibitedBy
	if ra, ok := idx.lookup(a.Labels); ok {
		rule := ra.Rule
		row.Rule, row.Value = &rule, valueText(ra.Value)
		// ward's own rule: its expression in ward's explorer chart,
		// where the generator URL opens Prometheus' table (g0.tab=1).
		row.Source = chartHref(rule.Expr)
	}
	return row
}

func (v alertsView) pendingRow(ra ruleAlert) alertRow {
	row := v.baseRow(ra.Labels, ra.Ann, "pending", ra.ActiveAt)
	rule := ra.Rule
	row.Rule, row.Value = &rule, valueText(ra.Value)
	// A pending alert has not reached Alertmanager, so it has no
	// generator URL; its rule's expression is the same link.
	row.Source = chartHref(rule.Expr)
	return row
}

func (v alertsView) baseRow(ls, ann model.LabelSet, state string, since time.Time) alertRow {
	row := alertRow{
		Name: string(ls[model.AlertNameLabel]), Severity: string(ls["severity"]), State: state,
		Summary: string(ann["summary"]), Description: string(ann["description"]),
		Since: since, Runbook: webURL(string(ann["runbook_url"])),
	}
	for n, val := range ls {
		if n != model.AlertNameLabel {
			row.Labels = append(row.Labels, labelPair{string(n), string(val)})
		}
	}
	sort.Slice(row.Labels, func(i, j int) bool { return row.Labels[i].Name < row.Labels[j].Name })
	if v.CanSilence {
		row.SilenceHref = "/silences/new?" + url.Values{"matchers": {labelsMatcherText(ls)}}.Encode()
	}
	return row
}

// groupHeading names a group by its group labels, as the filter that
// selects it.
func groupHeading(ls model.LabelSet) string {
	if len(ls) == 0 {
		return "All alerts (no grouping labels)"
	}
	return labelsMatcherText(ls)
}

// webURL returns s when it is an absolute http(s) URL, so an annotation
// cannot smuggle another scheme into a link.
func webURL(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.String()
}
