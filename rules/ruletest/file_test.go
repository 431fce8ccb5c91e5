package ruletest

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

func TestDecodeTestFile(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr string
		check   func(t *testing.T, tf *testFile)
	}{
		{
			name: "defaults",
			in:   "rule_files: [a.yml]\ntests:\n  - name: g\n  - interval: 30s\n",
			check: func(t *testing.T, tf *testFile) {
				if tf.EvaluationInterval != defaultEvaluationInterval {
					t.Errorf("evaluation_interval = %s, want %s", tf.EvaluationInterval, defaultEvaluationInterval)
				}
				if got := tf.Tests[0].Interval; got != defaultEvaluationInterval {
					t.Errorf("tests[0].interval = %s, want the evaluation interval", got)
				}
				if got := tf.Tests[1].Interval.String(); got != "30s" {
					t.Errorf("tests[1].interval = %s, want 30s", got)
				}
			},
		},
		{
			name: "start timestamps",
			in:   "tests:\n  - start_timestamp: 1700000000.5\n  - start_timestamp: '2024-01-01T00:00:00Z'\n",
			check: func(t *testing.T, tf *testFile) {
				if got, want := tf.Tests[0].StartTimestamp.Time, time.Unix(1700000000, 5e8).UTC(); !got.Equal(want) {
					t.Errorf("tests[0].start_timestamp = %s, want %s", got, want)
				}
				if got, want := tf.Tests[1].StartTimestamp.Time, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
					t.Errorf("tests[1].start_timestamp = %s, want %s", got, want)
				}
			},
		},
		{name: "unknown top-level key", in: "rule_file: [a.yml]\n", wantErr: "field rule_file not found"},
		{name: "repeated key", in: "tests: []\ntests: []\n", wantErr: "field tests already set"},
		{name: "bad duration", in: "evaluation_interval: soon\n", wantErr: "not a valid duration"},
		{name: "bad start timestamp", in: "tests:\n  - start_timestamp: yesterday\n", wantErr: `cannot parse "yesterday"`},
		{name: "infinite start timestamp", in: "tests:\n  - start_timestamp: 1e300\n", wantErr: "out of range"},
		{name: "repeated group order", in: "group_eval_order: [a, b, a]\n", wantErr: "group name repeated in evaluation order: a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tf, err := decodeTestFile([]byte(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, tf)
		})
	}
}

func TestResolveRuleFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.yml", "b.yml", "c.yaml"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	abs := filepath.Join(dir, "c.yaml")
	tf := &testFile{RuleFiles: []string{"*.yml", abs, "missing_*.yml"}}
	warnings, err := tf.resolveRuleFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.yml"), filepath.Join(dir, "b.yml"), abs}
	if strings.Join(tf.RuleFiles, ",") != strings.Join(want, ",") {
		t.Errorf("rule files = %q, want %q", tf.RuleFiles, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "missing_*.yml") {
		t.Errorf("warnings = %q, want one about missing_*.yml", warnings)
	}

	tf = &testFile{RuleFiles: []string{"[bad"}}
	if _, err := tf.resolveRuleFiles(dir); err == nil {
		t.Error("malformed glob: want an error")
	}
}

// hugeExpansion matches series values that expand to a million samples or
// more: valid, and materialised by promtool too, but slow enough to stall
// the fuzzer or exhaust its memory.
var hugeExpansion = regexp.MustCompile(`x\s*\d{6,}`)

// FuzzLoadTestFile feeds arbitrary bytes through everything that reads a test
// file before any series is stored: decoding, rule_files globbing, the load
// command and its series notation, alert and sample expectations. None of it
// may panic.
func FuzzLoadTestFile(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.yml")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range seeds {
		b, err := os.ReadFile(seed)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	p := parser.NewParser(parser.Options{})

	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := decodeTestFile(data)
		if err != nil {
			return
		}
		// Glob only inside testdata: an absolute or parent pattern such as
		// /*/*/*/* would make the fuzzer walk this machine's filesystem.
		if !slices.ContainsFunc(tf.RuleFiles, func(s string) bool {
			return filepath.IsAbs(s) || strings.Contains(s, "..")
		}) {
			_, _ = tf.resolveRuleFiles("testdata")
		}
		env := groupEnv{parser: p, floatEqual: exactFloatEqual}
		for i := range tf.Tests {
			tg := &tf.Tests[i]
			_ = tg.loadCommand()
			for _, s := range tg.InputSeries {
				if hugeExpansion.MatchString(s.Values) {
					continue
				}
				if _, _, err := p.ParseSeriesDesc(s.Series + " " + s.Values); err != nil {
					_ = tg.seriesError(err)
				}
			}
			if _, err := newAlertSchedule(tg.AlertRuleTests); err == nil {
				for _, tc := range tg.AlertRuleTests {
					_ = expectedAlerts(tc).String()
				}
			}
			for _, tc := range tg.PromqlExprTests {
				if exp, err := tg.expectedSamples(tc, env); err == nil {
					_ = lineDiff(exp.lines(), nil)
				}
			}
			_ = tg.maxEvalTime()
		}
	})
}
