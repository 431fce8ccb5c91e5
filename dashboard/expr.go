package dashboard

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

// RateInterval is the placeholder a panel's expression may use for the
// range of rate, irate and increase, as in Grafana: rate(x[$__rate_interval]).
// The chart script replaces it with max(DefaultRateInterval, 2 × step)
// for every query_range it sends, so a 7-day chart with a 20-minute step
// still sees every sample; elsewhere (validation, the explorer link) it
// stands for DefaultRateInterval.
const RateInterval = "$__rate_interval"

// DefaultRateInterval is what RateInterval stands for at a fine step: the
// window ward's own rules use, four scrapes at the default interval.
const DefaultRateInterval = 5 * time.Minute

// ExpandRateInterval returns expr with every RateInterval replaced by
// window, written as a Prometheus duration ("5m", "1200s").
func ExpandRateInterval(expr string, window time.Duration) string {
	if !strings.Contains(expr, RateInterval) {
		return expr
	}
	return strings.ReplaceAll(expr, RateInterval, durationText(window))
}

// durationText writes d as the shortest exact Prometheus duration.
func durationText(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", max(1, int64(d/time.Second)))
}

// parseExpr parses a panel's expression as PromQL, RateInterval standing
// for DefaultRateInterval.
func parseExpr(expr string) (parser.Expr, error) {
	return newParser().ParseExpr(ExpandRateInterval(expr, DefaultRateInterval))
}

// legendTemplateRE is one {{label}} of a legend, as static/graphs.js
// substitutes it (spaces inside the braces allowed).
var legendTemplateRE = regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}`)

// legendProblem says what is wrong with a legend, "" when nothing: it may
// hold text and {{label}} templates only, each a label name; a brace
// outside a template is an unclosed or malformed one ("{{job", "{{a-b}}",
// "{{ .Labels.job }}"), which the chart would show as is.
func legendProblem(legend string) string {
	rest := legendTemplateRE.ReplaceAllStringFunc(legend, func(m string) string { return strings.Repeat(" ", len(m)) })
	i := strings.IndexAny(rest, "{}")
	if i < 0 {
		return ""
	}
	frag := legend[i:]
	if j := strings.Index(frag, "}}"); j >= 0 && strings.HasPrefix(frag, "{{") {
		return fmt.Sprintf("%q at byte %d is not a {{label}} template (a label name: letters, digits, _)", clip(frag[:j+2]), i+1)
	}
	return fmt.Sprintf("unbalanced brace at byte %d (%q); write labels as {{label}}", i+1, clip(frag))
}
