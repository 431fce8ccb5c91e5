package rules

import (
	"bytes"
	"fmt"
	"log/slog"

	"github.com/prometheus/prometheus/promql/parser"
	promrules "github.com/prometheus/prometheus/rules"
	"go.yaml.in/yaml/v3"
)

// EvalMode says what makes a rule group evaluate besides its own tick.
type EvalMode string

// Evaluation modes, set per group with `evaluation:` in a rule file.
const (
	// EvalOnData evaluates the group as soon as a scrape or a health
	// check writes series its rules select (at most once per scrape
	// interval), with the group's tick as the fallback. The default for
	// groups with an alerting rule.
	EvalOnData EvalMode = "on_data"
	// EvalInterval evaluates the group on its tick only, as Prometheus
	// does. The default for groups of recording rules only.
	EvalInterval EvalMode = "interval"
)

// evalField is ward's one addition to Prometheus' rule group format.
const evalField = "evaluation"

// groupModes are the `evaluation:` settings of one file's groups, by
// group name; a group without the field is absent.
type groupModes map[string]EvalMode

// stripEvalModes removes every group's `evaluation:` field from a rule
// file, so that Prometheus' strict parser accepts what is left, and
// returns the settings. The field is blanked with spaces rather than cut,
// so the line and column of every later error stay those of the file.
// An invalid value or a field rulefmt could not be made to ignore is an
// error naming the file, line and field.
func stripEvalModes(file string, content []byte) ([]byte, groupModes, []error) {
	if !bytes.Contains(content, []byte(evalField)) {
		return content, nil, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(content, &doc); err != nil || len(doc.Content) == 0 {
		// rulefmt reports the syntax error with its position.
		return content, nil, nil
	}
	groups := mapValue(doc.Content[0], "groups")
	if groups == nil || groups.Kind != yaml.SequenceNode {
		return content, nil, nil
	}
	out := bytes.Clone(content)
	lines := lineStarts(out)
	modes := groupModes{}
	var errs []error
	for i, g := range groups.Content {
		if g.Kind != yaml.MappingNode {
			continue
		}
		for k := 0; k+1 < len(g.Content); k += 2 {
			key, val := g.Content[k], g.Content[k+1]
			if key.Value != evalField {
				continue
			}
			field := fmt.Sprintf("groups[%d].%s", i, evalField)
			mode := EvalMode(val.Value)
			if val.Kind != yaml.ScalarNode || (mode != EvalOnData && mode != EvalInterval) {
				errs = append(errs, fmt.Errorf("%s:%d:%d: %s: must be %q or %q, got %q", file, val.Line, val.Column, field, EvalOnData, EvalInterval, val.Value))
				continue
			}
			if g.Style&yaml.FlowStyle != 0 || key.Line != val.Line || key.Line > len(lines) {
				errs = append(errs, fmt.Errorf("%s:%d:%d: %s: write it as one line in block style (evaluation: %s)", file, key.Line, key.Column, field, mode))
				continue
			}
			// Blank from the key to the end of its line (the value and
			// any comment after it).
			start := lines[key.Line-1] + key.Column - 1
			end := bytes.IndexByte(out[start:], '\n')
			if end < 0 {
				end = len(out) - start
			}
			for j := start; j < start+end; j++ {
				if out[j] != '\r' {
					out[j] = ' '
				}
			}
			if name := mapValue(g, "name"); name != nil {
				modes[name.Value] = mode
			}
		}
	}
	return out, modes, errs
}

// mapValue is the value of key in mapping node n, or nil.
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

// lineStarts are the byte offsets at which each line of b begins.
func lineStarts(b []byte) []int {
	starts := []int{0}
	for i, c := range b {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// NewGroupLoader returns the rule file loader ward's rule manager uses:
// Prometheus' format plus `evaluation:`. Rule unit tests (package
// ruletest) load files through it, so they accept what `ward serve` does.
func NewGroupLoader(p parser.Parser) promrules.GroupLoader {
	return &loader{parser: p, logger: slog.New(slog.DiscardHandler)}
}
