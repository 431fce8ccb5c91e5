// Package dashboard owns what charts exist: the built-in boards (host,
// app, postgres, redis, checks) as data, the user's panels from the
// config's dashboard section, their validation, and the alert lines a
// panel draws, taken from the comparisons of the rules it names.
package dashboard

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Panel is one chart: one PromQL expression drawn by one query_range.
type Panel struct {
	ID    string `yaml:"id"`
	Title string `yaml:"title"`
	// Expr is the PromQL expression; every series it returns is a line.
	Expr string `yaml:"expr"`
	// Legend names a series from its labels: "{{instance}} {{mountpoint}}".
	Legend string `yaml:"legend"`
	// Unit is one of Units.
	Unit string `yaml:"unit"`
	// Thresholds names the alerting rules whose comparison is drawn as
	// an alert line; an absent rule draws none.
	Thresholds []string `yaml:"thresholds"`
	// Note is a short sentence shown under the chart: when the panel can
	// be empty and why ("Only replicas have replication lag").
	Note string `yaml:"note"`
	// Source is where the panel was defined, "file:line".
	Source string `yaml:"-"`
	// Lines are the resolved alert lines (WithThresholds).
	Lines []Threshold `yaml:"-"`
}

// Board is one page of panels, /graphs/<Name>.
type Board struct {
	Name  string `yaml:"name"`
	Title string `yaml:"title"`
	// Requires is what the board needs to have any data; nil when it
	// always has some.
	Requires *Requirement `yaml:"requires"`
	Panels   []Panel      `yaml:"panels"`
}

// Units are the units a panel may have ("" is a plain number): percent
// is a 0..1 ratio, days a number of seconds shown as days.
var Units = []string{"", "percent", "bytes", "bytes/s", "seconds", "ops", "days"}

// Bounds of a panel.
const (
	MaxExpr   = 4096
	maxTitle  = 200
	maxLegend = 200
	maxNote   = 300
	// maxThresholds bounds the rules one panel names.
	maxThresholds = 10
)

var (
	boardNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)
	panelIDRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	ruleNameRE  = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_:]*$`)
)

// ValidBoardName says whether name may be a board's name (and so a path
// segment of /graphs/).
func ValidBoardName(name string) bool { return boardNameRE.MatchString(name) }

// Validate returns every problem of p, each as "key: message".
func (p Panel) Validate() []string {
	var out []string
	add := func(key, format string, args ...any) { out = append(out, key+": "+fmt.Sprintf(format, args...)) }
	if !panelIDRE.MatchString(p.ID) {
		add("id", "want lower-case letters, digits and dashes (at most 63), got %q", clip(p.ID))
	}
	if t := strings.TrimSpace(p.Title); t == "" {
		add("title", "required")
	} else if len(p.Title) > maxTitle {
		add("title", "longer than %d bytes", maxTitle)
	}
	switch {
	case strings.TrimSpace(p.Expr) == "":
		add("expr", "required")
	case len(p.Expr) > MaxExpr:
		add("expr", "longer than %d bytes", MaxExpr)
	default:
		if _, err := parseExpr(p.Expr); err != nil {
			add("expr", "%s", oneLine(err.Error()))
		}
	}
	if len(p.Legend) > maxLegend {
		add("legend", "longer than %d bytes", maxLegend)
	} else if msg := legendProblem(p.Legend); msg != "" {
		add("legend", "%s", msg)
	}
	if len(p.Note) > maxNote {
		add("note", "longer than %d bytes", maxNote)
	}
	if !validUnit(p.Unit) {
		add("unit", "%q is not one of percent, bytes, bytes/s, seconds, ops, days (or empty)", clip(p.Unit))
	}
	if len(p.Thresholds) > maxThresholds {
		add("thresholds", "at most %d rules", maxThresholds)
	}
	for i, name := range p.Thresholds {
		if !ruleNameRE.MatchString(name) {
			add(fmt.Sprintf("thresholds[%d]", i), "%q is not an alerting rule name", clip(name))
		}
	}
	return out
}

func validUnit(u string) bool {
	for _, v := range Units {
		if u == v {
			return true
		}
	}
	return false
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

//go:embed builtin/panels.yml
var builtinYAML []byte

// builtinSource names the built-in file in Panel.Source.
const builtinSource = "dashboard/builtin/panels.yml"

// Builtin returns the built-in boards, freshly decoded (callers may
// change them).
func Builtin() ([]Board, error) {
	return parseBoards(builtinYAML, builtinSource)
}

// parseBoards decodes a boards file strictly and validates it.
func parseBoards(data []byte, source string) ([]Board, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	var doc struct {
		Boards []Board `yaml:"boards"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	lines := panelLines(&root)
	var errs []error
	seenBoard := map[string]bool{}
	n := 0
	for bi := range doc.Boards {
		b := &doc.Boards[bi]
		if !ValidBoardName(b.Name) || seenBoard[b.Name] {
			errs = append(errs, fmt.Errorf("%s: boards[%d].name: %q is invalid or repeated", source, bi, b.Name))
		}
		seenBoard[b.Name] = true
		if b.Requires != nil {
			for _, msg := range b.Requires.Validate() {
				errs = append(errs, fmt.Errorf("%s: boards[%d].requires.%s", source, bi, msg))
			}
		}
		seen := map[string]bool{}
		for pi := range b.Panels {
			p := &b.Panels[pi]
			if n < len(lines) {
				p.Source = fmt.Sprintf("%s:%d", source, lines[n])
			}
			n++
			for _, msg := range p.Validate() {
				errs = append(errs, fmt.Errorf("%s: boards[%d].panels[%d].%s", p.Source, bi, pi, msg))
			}
			if seen[p.ID] {
				errs = append(errs, fmt.Errorf("%s: boards[%d].panels[%d].id: %q repeated", p.Source, bi, pi, p.ID))
			}
			seen[p.ID] = true
		}
	}
	return doc.Boards, errors.Join(errs...)
}

// panelLines returns the line of every panel in document order.
func panelLines(root *yaml.Node) []int {
	var out []int
	if len(root.Content) == 0 {
		return nil
	}
	boards := mapValue(root.Content[0], "boards")
	if boards == nil {
		return nil
	}
	for _, b := range boards.Content {
		if ps := mapValue(b, "panels"); ps != nil {
			for _, p := range ps.Content {
				out = append(out, p.Line)
			}
		}
	}
	return out
}

func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Find returns the board called name.
func Find(boards []Board, name string) (Board, bool) {
	for _, b := range boards {
		if b.Name == name {
			return b, true
		}
	}
	return Board{}, false
}

// Merge returns the built-in boards with the user's panels added: a
// panel on an existing board is appended to it, one on a new board name
// creates that board (titled by its name). Neither argument is changed.
func Merge(builtin []Board, user []UserPanel) []Board {
	out := make([]Board, len(builtin))
	for i, b := range builtin {
		out[i] = b
		out[i].Panels = append([]Panel(nil), b.Panels...)
	}
	for _, u := range user {
		i := -1
		for j := range out {
			if out[j].Name == u.Board {
				i = j
				break
			}
		}
		if i < 0 {
			out = append(out, Board{Name: u.Board, Title: u.Board})
			i = len(out) - 1
		}
		out[i].Panels = append(out[i].Panels, u.Panel)
	}
	return out
}

// UserPanel is a panel from the config's dashboard.panels.
type UserPanel struct {
	Board string
	Panel
}
