package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/ward-monitoring/ward/dashboard"
)

// Dashboard configures the graphs (section `dashboard:`): how often charts
// re-query and the user's own panels, which join the built-in boards.
type Dashboard struct {
	// Refresh is how often charts re-query while their tab is visible.
	Refresh model.Duration `yaml:"refresh"`
	// Panels are the user's panels. One on a built-in board (host, app,
	// postgres, redis, checks) is appended to it; one on another board
	// name makes that board, /graphs/<board>.
	Panels []DashboardPanel `yaml:"panels,omitempty"`
}

// DashboardPanel is one user panel: dashboard.Panel plus its board.
type DashboardPanel struct {
	Board string `yaml:"board"`
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Expr is PromQL; one query_range draws the panel.
	Expr string `yaml:"expr"`
	// Legend names a series from its labels: "{{instance}}".
	Legend string `yaml:"legend,omitempty"`
	// Unit: percent (a 0..1 ratio), bytes, bytes/s, seconds, ops, days
	// (seconds shown as days) or empty.
	Unit string `yaml:"unit,omitempty"`
	// Thresholds names alerting rules whose comparison is drawn.
	Thresholds []string `yaml:"thresholds,omitempty"`
	// Note is a short sentence under the chart: when it can be empty
	// and why.
	Note string `yaml:"note,omitempty"`

	// source is where the panel is written, "file:line", and
	// thresholdAt where each of its thresholds is, "file:line:column"
	// (set by Load).
	source      string
	thresholdAt []string
}

// Bounds of the dashboard section.
const (
	minDashboardRefresh = 5 * time.Second
	maxDashboardRefresh = time.Hour
	// maxDashboardPanels bounds the user's panels: every one is a
	// query_range per open page and refresh.
	maxDashboardPanels = 50
	// maxBoardPanels bounds one board, built-in panels included.
	maxBoardPanels = 30
)

// DefaultDashboard returns the dashboard defaults: charts re-query every
// 30 seconds, no user panels.
func DefaultDashboard() Dashboard {
	return Dashboard{Refresh: model.Duration(30 * time.Second)}
}

// Boards returns the built-in boards with the user's panels merged in,
// each user panel's Source naming the config file and line.
func (d Dashboard) Boards() ([]dashboard.Board, error) {
	builtin, err := dashboard.Builtin()
	if err != nil {
		return nil, err
	}
	user := make([]dashboard.UserPanel, 0, len(d.Panels))
	for _, p := range d.Panels {
		user = append(user, dashboard.UserPanel{Board: p.Board, Panel: dashboard.Panel{
			ID: p.ID, Title: p.Title, Expr: p.Expr, Legend: p.Legend, Unit: p.Unit,
			Thresholds: append([]string(nil), p.Thresholds...), Source: p.source, Note: p.Note,
		}})
	}
	return dashboard.Merge(builtin, user), nil
}

// problems checks the section; user panels as the built-in ones are
// checked (dashboard.Panel.Validate), plus their board and uniqueness.
func (d Dashboard) problems() []fieldError {
	var errs []fieldError
	if r := time.Duration(d.Refresh); r < minDashboardRefresh || r > maxDashboardRefresh {
		errs = append(errs, fieldError{path: "dashboard.refresh", msg: fmt.Sprintf("must be between %s and %s, got %s",
			model.Duration(minDashboardRefresh), model.Duration(maxDashboardRefresh), d.Refresh)})
	}
	if len(d.Panels) > maxDashboardPanels {
		errs = append(errs, fieldError{path: "dashboard.panels", msg: fmt.Sprintf("at most %d panels, got %d", maxDashboardPanels, len(d.Panels))})
		return errs
	}
	builtin, err := dashboard.Builtin()
	if err != nil {
		return append(errs, fieldError{path: "dashboard", msg: err.Error()})
	}
	count := map[string]int{}
	taken := map[string]string{} // board/id -> where
	for _, b := range builtin {
		count[b.Name] = len(b.Panels)
		for _, p := range b.Panels {
			taken[b.Name+"/"+p.ID] = "a built-in panel"
		}
	}
	for i, p := range d.Panels {
		path := fmt.Sprintf("dashboard.panels[%d]", i)
		if !dashboard.ValidBoardName(p.Board) {
			errs = append(errs, fieldError{path: path + ".board", msg: fmt.Sprintf("want a lower-case name of letters, digits and dashes (at most 32, starting with a letter), got %q", clipValue(p.Board))})
		}
		panel := dashboard.Panel{ID: p.ID, Title: p.Title, Expr: p.Expr, Legend: p.Legend, Unit: p.Unit, Thresholds: p.Thresholds, Note: p.Note}
		for _, msg := range panel.Validate() {
			key, text, _ := strings.Cut(msg, ": ")
			errs = append(errs, fieldError{path: path + "." + key, msg: text})
		}
		if p.ID == "" {
			continue
		}
		if where, ok := taken[p.Board+"/"+p.ID]; ok {
			errs = append(errs, fieldError{path: path + ".id", msg: fmt.Sprintf("%q on board %q is already %s", p.ID, p.Board, where)})
			continue
		}
		taken[p.Board+"/"+p.ID] = path
		if count[p.Board]++; count[p.Board] == maxBoardPanels+1 {
			errs = append(errs, fieldError{path: path + ".board", msg: fmt.Sprintf("board %q would have more than %d panels", p.Board, maxBoardPanels)})
		}
	}
	return errs
}

// dashboardProblems checks the dashboard section of doc alone, decoded
// leniently; Load uses it when other keys are already wrong, so that one
// run names every bad panel (the strict pass stops before semantics).
// Problems at a path the strict pass already reported are left out.
func dashboardProblems(doc *yaml.Node, reported []problem) []fieldError {
	n := yamlMapValue(doc, "dashboard")
	if n == nil {
		return nil
	}
	d := DefaultDashboard()
	_ = n.Decode(&d) // a type error leaves that value zero; the strict pass named it
	var out []fieldError
	for _, fe := range d.problems() {
		dup := false
		for _, p := range reported {
			if fe.path == p.path || strings.HasPrefix(fe.path, p.path+".") || strings.HasPrefix(fe.path, p.path+"[") || strings.HasPrefix(p.path, fe.path+".") {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, fe)
		}
	}
	return out
}

func yamlMapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

func clipValue(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// CheckThresholds reports user panels that name an alerting rule which
// is not loaded, one error per name as "file:line: key: message". known
// says whether a rule is loaded; a built-in rule the config disables
// (rules.disable) is not an error: its line is simply not drawn.
// Load cannot check this: the rules are loaded after it.
func (c *Config) CheckThresholds(known func(alert string) bool) error {
	disabled := map[string]bool{}
	for _, n := range c.Rules.Disable {
		disabled[n] = true
	}
	var errs []error
	for i, p := range c.Dashboard.Panels {
		for j, name := range p.Thresholds {
			if known(name) || disabled[name] {
				continue
			}
			where := c.Source
			if j < len(p.thresholdAt) {
				where = p.thresholdAt[j]
			}
			errs = append(errs, fmt.Errorf("%s: dashboard.panels[%d].thresholds[%d]: no alerting rule named %q is loaded", where, i, j, name))
		}
	}
	return errors.Join(errs...)
}
