package dashboard

import (
	"math"

	"github.com/prometheus/prometheus/promql/parser"
)

// newParser is the PromQL parser with the options of rules.NewParser, so
// a panel accepts exactly the language rules and queries do (dashboard
// cannot import rules: rules depends on config, which validates panels).
func newParser() parser.Parser { return parser.NewParser(parser.Options{}) }

// Threshold is one alert line: the comparison of an alerting rule.
type Threshold struct {
	Value float64
	// Op is the comparison with the series on the left: ">", "<", ...
	Op    string
	Rule  string
	Group string
}

// AlertRule is what WithThresholds needs of a loaded alerting rule.
type AlertRule struct {
	Name, Group string
	Expr        parser.Expr
}

// ThresholdOf finds the comparison of a rule's expression against a
// constant: the expression itself, or the left side of `unless`, `and`
// or `or` (the right side only filters), through parentheses. Constant
// arithmetic (14 * 86400) is folded; a constant on the left flips the
// comparison so the series reads on the left. False when there is none,
// and for a constant that is not finite (1/0, Inf, NaN): no line can be
// drawn at it, and JSON cannot carry it.
func ThresholdOf(r AlertRule) (Threshold, bool) {
	op, v, ok := comparison(r.Expr)
	if !ok || math.IsInf(v, 0) || math.IsNaN(v) {
		return Threshold{}, false
	}
	return Threshold{Value: v, Op: op, Rule: r.Name, Group: r.Group}, true
}

func comparison(e parser.Expr) (string, float64, bool) {
	switch n := e.(type) {
	case *parser.ParenExpr:
		return comparison(n.Expr)
	case *parser.BinaryExpr:
		switch n.Op {
		case parser.LUNLESS, parser.LAND, parser.LOR:
			return comparison(n.LHS)
		}
		if !n.Op.IsComparisonOperator() {
			return "", 0, false
		}
		l, lconst := constant(n.LHS)
		r, rconst := constant(n.RHS)
		switch {
		case rconst && !lconst:
			return n.Op.String(), r, true
		case lconst && !rconst:
			return flip(n.Op), l, true
		}
	}
	return "", 0, false
}

// constant folds e when it is made of numbers only.
func constant(e parser.Expr) (float64, bool) {
	switch n := e.(type) {
	case *parser.NumberLiteral:
		return n.Val, true
	case *parser.ParenExpr:
		return constant(n.Expr)
	case *parser.StepInvariantExpr:
		return constant(n.Expr)
	case *parser.UnaryExpr:
		v, ok := constant(n.Expr)
		if n.Op == parser.SUB {
			v = -v
		}
		return v, ok
	case *parser.BinaryExpr:
		l, ok1 := constant(n.LHS)
		r, ok2 := constant(n.RHS)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch n.Op {
		case parser.ADD:
			return l + r, true
		case parser.SUB:
			return l - r, true
		case parser.MUL:
			return l * r, true
		case parser.DIV:
			return l / r, true
		case parser.POW:
			return math.Pow(l, r), true
		}
	}
	return 0, false
}

// flip turns "c < x" into "x > c".
func flip(op parser.ItemType) string {
	switch op {
	case parser.LSS:
		return ">"
	case parser.GTR:
		return "<"
	case parser.LTE:
		return ">="
	case parser.GTE:
		return "<="
	}
	return op.String() // == and != read the same both ways
}

// WithThresholds returns boards whose panels carry the alert lines of the
// rules they name, in the order they name them. A name with no rule, or
// a rule with no constant comparison, draws no line; missing lists the
// names that matched no rule at all. boards is not changed.
func WithThresholds(boards []Board, rules []AlertRule) (out []Board, missing []string) {
	byName := map[string][]AlertRule{}
	for _, r := range rules {
		byName[r.Name] = append(byName[r.Name], r)
	}
	seenMissing := map[string]bool{}
	out = make([]Board, len(boards))
	for i, b := range boards {
		out[i] = b
		out[i].Panels = make([]Panel, len(b.Panels))
		for j, p := range b.Panels {
			p.Lines = nil
			for _, name := range p.Thresholds {
				rs, ok := byName[name]
				if !ok && !seenMissing[name] {
					seenMissing[name] = true
					missing = append(missing, name)
				}
				for _, r := range rs {
					if t, ok := ThresholdOf(r); ok {
						p.Lines = append(p.Lines, t)
					}
				}
			}
			out[i].Panels[j] = p
		}
	}
	return out, missing
}
