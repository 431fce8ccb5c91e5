package ruletest

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"go.yaml.in/yaml/v2"
)

// defaultEvaluationInterval is what promtool uses when a test file sets no
// evaluation_interval.
const defaultEvaluationInterval = model.Duration(time.Minute)

// testFile is one rule unit-test file, in promtool's format.
type testFile struct {
	RuleFiles          []string       `yaml:"rule_files"`
	EvaluationInterval model.Duration `yaml:"evaluation_interval,omitempty"`
	GroupEvalOrder     []string       `yaml:"group_eval_order"`
	Tests              []testGroup    `yaml:"tests"`
	// FuzzyCompare lets floats that are one ULP apart compare equal.
	FuzzyCompare bool `yaml:"fuzzy_compare,omitempty"`
}

// testGroup is a set of input series and the expectations checked against them.
type testGroup struct {
	Interval        model.Duration   `yaml:"interval"`
	InputSeries     []inputSeries    `yaml:"input_series"`
	AlertRuleTests  []alertTestCase  `yaml:"alert_rule_test,omitempty"`
	PromqlExprTests []promqlTestCase `yaml:"promql_expr_test,omitempty"`
	ExternalLabels  labels.Labels    `yaml:"external_labels,omitempty"`
	ExternalURL     string           `yaml:"external_url,omitempty"`
	Name            string           `yaml:"name,omitempty"`
	StartTimestamp  startTimestamp   `yaml:"start_timestamp,omitempty"`
}

// inputSeries is one series in the expanding notation, e.g. `1+1x10`.
type inputSeries struct {
	Series string `yaml:"series"`
	Values string `yaml:"values"`
}

// alertTestCase expects exactly ExpAlerts to be firing for Alertname at EvalTime.
type alertTestCase struct {
	EvalTime  model.Duration `yaml:"eval_time"`
	Alertname string         `yaml:"alertname"`
	ExpAlerts []expAlert     `yaml:"exp_alerts"`
}

// expAlert is one expected firing alert. The alertname label is implied.
type expAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// promqlTestCase expects Expr, evaluated at EvalTime, to return exactly ExpSamples.
type promqlTestCase struct {
	Expr       string         `yaml:"expr"`
	EvalTime   model.Duration `yaml:"eval_time"`
	ExpSamples []expSample    `yaml:"exp_samples"`
}

// expSample is one expected sample; Labels is in series notation,
// e.g. `up{job="a"}`. A non-empty Histogram holds a native histogram in the
// series notation (`{{count:1 sum:2}}`).
type expSample struct {
	Labels    string  `yaml:"labels"`
	Value     float64 `yaml:"value"`
	Histogram string  `yaml:"histogram"`
}

// startTimestamp is a test group's start time, given as RFC 3339 or as Unix
// seconds. The zero value means the Unix epoch, as in promtool.
type startTimestamp struct {
	time.Time
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (t *startTimestamp) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	parsed, err := parseTimestamp(s)
	if err != nil {
		return err
	}
	t.Time = parsed
	return nil
}

// parseTimestamp accepts Unix seconds (with a fraction) or RFC 3339.
func parseTimestamp(s string) (time.Time, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > math.MaxInt64/2 {
			return time.Time{}, fmt.Errorf("timestamp %q out of range", s)
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*float64(time.Second))).UTC(), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("cannot parse %q as a Unix or RFC 3339 timestamp", s)
}

// loadTestFile reads and decodes the test file at path, resolving its
// rule_files against the file's directory. Warnings are for rule_files
// patterns that match nothing, which promtool reports but does not fail on.
func loadTestFile(path string) (tf *testFile, warnings []string, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	tf, err = decodeTestFile(b)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	warnings, err = tf.resolveRuleFiles(filepath.Dir(path))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return tf, warnings, nil
}

// decodeTestFile decodes b strictly (unknown or repeated keys are errors, as
// in promtool), applies defaults and checks what promtool checks up front.
func decodeTestFile(b []byte) (*testFile, error) {
	var tf testFile
	if err := yaml.UnmarshalStrict(b, &tf); err != nil {
		return nil, err
	}
	if tf.EvaluationInterval == 0 {
		tf.EvaluationInterval = defaultEvaluationInterval
	}
	seen := make(map[string]bool, len(tf.GroupEvalOrder))
	for _, name := range tf.GroupEvalOrder {
		if seen[name] {
			return nil, fmt.Errorf("group name repeated in evaluation order: %s", name)
		}
		seen[name] = true
	}
	for i := range tf.Tests {
		if tf.Tests[i].Interval == 0 {
			tf.Tests[i].Interval = tf.EvaluationInterval
		}
	}
	return &tf, nil
}

// resolveRuleFiles makes relative rule_files relative to dir and expands globs.
func (tf *testFile) resolveRuleFiles(dir string) (warnings []string, err error) {
	var resolved []string
	for _, pattern := range tf.RuleFiles {
		if pattern != "" && !filepath.IsAbs(pattern) {
			pattern = filepath.Join(dir, pattern)
		}
		matches, err := filepath.Glob(pattern)
		if err != nil {
			return nil, fmt.Errorf("rule_files: %q: %w", pattern, err)
		}
		if len(matches) == 0 {
			warnings = append(warnings, "no file match pattern "+pattern)
		}
		resolved = append(resolved, matches...)
	}
	tf.RuleFiles = resolved
	return warnings, nil
}

// groupOrder maps each group named in group_eval_order to its position.
// Groups not named sort as position 0, like in promtool.
func (tf *testFile) groupOrder() map[string]int {
	order := make(map[string]int, len(tf.GroupEvalOrder))
	for i, name := range tf.GroupEvalOrder {
		order[name] = i
	}
	return order
}
