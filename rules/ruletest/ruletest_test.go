package ruletest

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFixtures runs every testdata/*.yml test file. Its name says the
// verdict (pass_*.yml must succeed, fail_*.yml must fail) and each
// "# want: TEXT" comment line in it is text the output must contain.
func TestFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixtures in testdata/")
	}
	for _, file := range files {
		base := filepath.Base(file)
		t.Run(strings.TrimSuffix(base, ".yml"), func(t *testing.T) {
			t.Parallel()
			var want int
			switch {
			case strings.HasPrefix(base, "pass_"):
				want = exitSuccess
			case strings.HasPrefix(base, "fail_"):
				want = exitFailure
			default:
				t.Fatalf("%s: fixture names start with pass_ or fail_", file)
			}
			out, code := runFiles(t, Options{}, file)
			if code != want {
				t.Fatalf("exit code %d, want %d; output:\n%s", code, want, out)
			}
			verdict := "  SUCCESS"
			if want == exitFailure {
				verdict = "  FAILED:"
			}
			if !strings.Contains(out, "Unit Testing: "+file+"\n"+verdict) {
				t.Errorf("output lacks header and %q:\n%s", verdict, out)
			}
			for _, text := range wantLines(t, file) {
				if !strings.Contains(out, text) {
					t.Errorf("output lacks %q:\n%s", text, out)
				}
			}
		})
	}
}

// TestRunOptions covers what fixtures alone cannot: Options, several files
// at once, files that do not exist and cancellation.
func TestRunOptions(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name  string
		ctx   context.Context // nil means the test's context
		opts  Options
		files []string
		want  int
		text  []string // output must contain each
		not   []string // output must contain none
	}{
		{
			name:  "run selects the passing group",
			opts:  Options{Run: []string{"^correct$"}},
			files: []string{"testdata/fail_wrong_value.yml"},
			want:  exitSuccess,
		},
		{
			name:  "run selects the failing group",
			opts:  Options{Run: []string{"nothing", "wrong"}},
			files: []string{"testdata/fail_wrong_value.yml"},
			want:  exitFailure,
			text:  []string{`exp: {__name__="job:http_requests:rate5m", job="api"} 4E+00`},
		},
		{
			name:  "run matching no group succeeds",
			opts:  Options{Run: []string{"no such group"}},
			files: []string{"testdata/fail_wrong_value.yml"},
			want:  exitSuccess,
		},
		{
			name:  "invalid run pattern",
			opts:  Options{Run: []string{"("}},
			files: []string{"testdata/pass_expr.yml"},
			want:  exitFailure,
			text:  []string{"invalid test group selector"},
		},
		{
			name:  "ignore unknown fields in rule files",
			opts:  Options{IgnoreUnknownFields: true},
			files: []string{"testdata/fail_rule_unknown_field.yml"},
			want:  exitSuccess,
		},
		{
			name:  "test files stay strict",
			opts:  Options{IgnoreUnknownFields: true},
			files: []string{"testdata/fail_unknown_field.yml"},
			want:  exitFailure,
			text:  []string{"field exp_sample not found"},
		},
		{
			name:  "diff of alerts",
			opts:  Options{Diff: true},
			files: []string{"testdata/fail_wrong_labels.yml"},
			want:  exitFailure,
			text: []string{
				"diff:",
				`- Labels:{alertname="InstanceDown", instance="a", job="api", severity="ticket"}`,
				`+ Labels:{alertname="InstanceDown", instance="a", job="api", severity="page"}`,
			},
			not: []string{"exp:["},
		},
		{
			name:  "diff of samples",
			opts:  Options{Diff: true},
			files: []string{"testdata/fail_missing_sample.yml"},
			want:  exitFailure,
			text:  []string{`  {__name__="up", instance="a"} 1E+00`, `+ {__name__="up", instance="b"} 1E+00`},
		},
		{
			name:  "one failing file fails the run",
			files: []string{"testdata/pass_expr.yml", "testdata/fail_wrong_labels.yml", "testdata/pass_alerts.yml"},
			want:  exitFailure,
			text: []string{
				"Unit Testing: testdata/pass_expr.yml\n  SUCCESS\n",
				"Unit Testing: testdata/fail_wrong_labels.yml\n  FAILED:\n",
				"Unit Testing: testdata/pass_alerts.yml\n  SUCCESS\n",
			},
		},
		{
			name:  "missing file",
			files: []string{"testdata/no_such_file.yml"},
			want:  exitFailure,
			text:  []string{"testdata/no_such_file.yml: no such file"},
		},
		{
			name:  "rule_files glob matching nothing is a warning",
			files: []string{writeTestFile(t, "rule_files: [nothing_*.yml]\ntests: []\n")},
			want:  exitSuccess,
			text:  []string{"  WARNING: no file match pattern", "nothing_*.yml"},
		},
		{
			name:  "negative evaluation interval",
			files: []string{writeTestFile(t, "rule_files: []\nevaluation_interval: -1m\ntests: []\n")},
			want:  exitFailure,
			text:  []string{`not a valid duration string: "-1m"`},
		},
		{
			name:  "canceled context",
			ctx:   canceled,
			files: []string{"testdata/pass_expr.yml"},
			want:  exitFailure,
			text:  []string{"context canceled"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := tt.ctx
			if ctx == nil {
				ctx = t.Context()
			}
			var buf bytes.Buffer
			code := Run(ctx, &buf, tt.opts, tt.files...)
			out := buf.String()
			if code != tt.want {
				t.Fatalf("exit code %d, want %d; output:\n%s", code, tt.want, out)
			}
			for _, text := range tt.text {
				if !strings.Contains(out, text) {
					t.Errorf("output lacks %q:\n%s", text, out)
				}
			}
			for _, text := range tt.not {
				if strings.Contains(out, text) {
					t.Errorf("output has %q:\n%s", text, out)
				}
			}
		})
	}
}

func TestLineDiff(t *testing.T) {
	tests := []struct {
		name     string
		exp, got []string
		want     string
	}{
		{"both empty", nil, nil, "(both empty)"},
		{"only expected", []string{"a"}, nil, "- a"},
		{"only got", nil, []string{"a"}, "+ a"},
		{"one changed", []string{"a", "b", "c"}, []string{"a", "x", "c"}, "  a\n- b\n+ x\n  c"},
		{"one extra", []string{"a", "c"}, []string{"a", "b", "c"}, "  a\n+ b\n  c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lineDiff(tt.exp, tt.got); got != tt.want {
				t.Errorf("lineDiff(%q, %q) =\n%s\nwant\n%s", tt.exp, tt.got, got, tt.want)
			}
		})
	}
}

// runFiles runs files with opts and returns the output and exit code.
func runFiles(tb testing.TB, opts Options, files ...string) (string, int) {
	tb.Helper()
	var buf bytes.Buffer
	code := Run(tb.Context(), &buf, opts, files...)
	return buf.String(), code
}

// wantLines returns the text of the "# want: TEXT" lines in file.
func wantLines(tb testing.TB, file string) []string {
	tb.Helper()
	f, err := os.Open(file)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if text, ok := strings.CutPrefix(sc.Text(), "# want: "); ok {
			want = append(want, text)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return want
}

// writeTestFile writes a test file into a fresh directory and returns its path.
func writeTestFile(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "test.yml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}
