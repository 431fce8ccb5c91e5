package dashboard

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"
)

// Requirement is what a board needs before it can have any data: a
// selector whose series exist only once that is set up (ward's HTTP
// checks, a scraped app), and what to do about it. The board page asks
// the TSDB whether the selector has a series and, when it has none,
// says so at the top instead of leaving every chart empty.
type Requirement struct {
	// Selector is a PromQL series selector, or several joined by `or`
	// (any one suffices): ward_check_up{kind=~"http|tcp|s3"},
	// pg_up or ward_check_up{kind="postgres"}.
	Selector string `yaml:"selector"`
	// Help says what to set up, in one or two sentences.
	Help string `yaml:"help"`
	// Page is the page of ward that does it or shows it ("/checks"),
	// optional.
	Page string `yaml:"page"`
	// Docs names the README section that explains it ("Health checks"),
	// optional; shown as text, so it works offline.
	Docs string `yaml:"docs"`
}

// Bounds of a requirement.
const (
	maxRequireSelector = 512
	maxRequireHelp     = 400
	maxRequireDocs     = 80
)

var pagePathRE = regexp.MustCompile(`^/[a-z0-9/_-]{0,63}([?#][a-zA-Z0-9=&_.#-]{0,64})?$`)

// Validate returns every problem of r, each as "key: message".
func (r Requirement) Validate() []string {
	var out []string
	add := func(key, format string, args ...any) { out = append(out, key+": "+fmt.Sprintf(format, args...)) }
	switch {
	case strings.TrimSpace(r.Selector) == "":
		add("selector", "required")
	case len(r.Selector) > maxRequireSelector:
		add("selector", "longer than %d bytes", maxRequireSelector)
	default:
		if _, err := selectors(r.Selector); err != nil {
			add("selector", "%s", err)
		}
	}
	if strings.TrimSpace(r.Help) == "" {
		add("help", "required")
	} else if len(r.Help) > maxRequireHelp {
		add("help", "longer than %d bytes", maxRequireHelp)
	}
	if r.Page != "" && !pagePathRE.MatchString(r.Page) {
		add("page", "want a path of ward such as /checks, got %q", clip(r.Page))
	}
	if len(r.Docs) > maxRequireDocs {
		add("docs", "longer than %d bytes", maxRequireDocs)
	}
	return out
}

// selectors returns the series selectors of expr: one, or several joined
// by `or`.
func selectors(expr string) ([]string, error) {
	e, err := newParser().ParseExpr(expr)
	if err != nil {
		return nil, fmt.Errorf("%s", oneLine(err.Error()))
	}
	var out []string
	var walk func(parser.Expr) bool
	walk = func(e parser.Expr) bool {
		switch n := e.(type) {
		case *parser.ParenExpr:
			return walk(n.Expr)
		case *parser.VectorSelector:
			out = append(out, n.String())
			return true
		case *parser.BinaryExpr:
			return n.Op == parser.LOR && n.VectorMatching != nil && len(n.VectorMatching.MatchingLabels) == 0 && walk(n.LHS) && walk(n.RHS)
		}
		return false
	}
	if !walk(e) {
		return nil, fmt.Errorf("want series selectors joined by or, such as pg_up or ward_check_up{kind=\"postgres\"}, got %s", clip(expr))
	}
	return out, nil
}

// CheckExpr is the instant query that says whether r is met: for each
// selector, the number of its series seen in the last hour (a check that
// runs less often than the TSDB's 5-minute lookback still counts); an
// empty answer means the board cannot have data. It reads one hour of
// the selected series only, so it is cheap next to any chart.
func (r Requirement) CheckExpr() string {
	sels, err := selectors(r.Selector)
	if err != nil {
		return ""
	}
	parts := make([]string, len(sels))
	for i, s := range sels {
		parts[i] = "count(last_over_time(" + s + "[1h]))"
	}
	return strings.Join(parts, " or ")
}
