package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cliCase is one command line and what it must produce.
type cliCase struct {
	name string
	args []string
	code int
	// stdout and stderr list substrings the stream must contain; an empty
	// string in the list means the stream must be empty.
	stdout, stderr []string
	// never lists substrings neither stream may contain.
	never []string
}

// runWard runs the CLI in-process, as main does, and returns its exit code
// and output.
func runWard(tb testing.TB, args ...string) (code int, stdout, stderr string) {
	tb.Helper()
	var out, errOut strings.Builder
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func (c cliCase) run(t *testing.T) {
	t.Helper()
	code, stdout, stderr := runWard(t, c.args...)
	if code != c.code {
		t.Errorf("ward %s: exit code %d, want %d", strings.Join(c.args, " "), code, c.code)
	}
	assertStream(t, "stdout", stdout, c.stdout)
	assertStream(t, "stderr", stderr, c.stderr)
	for _, s := range c.never {
		if strings.Contains(stdout, s) || strings.Contains(stderr, s) {
			t.Errorf("output contains %q, which it must never show", s)
		}
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}

func assertStream(tb testing.TB, name, got string, want []string) {
	tb.Helper()
	for _, w := range want {
		if w == "" {
			if got != "" {
				tb.Errorf("%s is not empty", name)
			}
			continue
		}
		if !strings.Contains(got, w) {
			tb.Errorf("%s does not contain %q", name, w)
		}
	}
}

func runCases(t *testing.T, cases []cliCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t)
		})
	}
}

// glob returns the files matching pattern, failing when there are none so
// that a moved directory cannot turn a test into a no-op.
func glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatalf("no files match %s", pattern)
	}
	return files
}

// directives returns the text of every "# want: " and "# never: " comment
// in a testdata file: what ward's output must and must not contain.
func directives(tb testing.TB, path string) (want, never []string) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if s, ok := strings.CutPrefix(line, "# want: "); ok {
			want = append(want, s)
		}
		if s, ok := strings.CutPrefix(line, "# never: "); ok {
			never = append(never, s)
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return want, never
}

func TestHelp(t *testing.T) {
	topUsage := "Usage:\n  ward serve [--config FILE]"
	var cases []cliCase
	for _, flag := range []string{"--help", "-h"} {
		cases = append(cases,
			cliCase{name: flag, args: []string{flag}, stdout: []string{topUsage}, stderr: []string{""}},
			cliCase{name: "serve " + flag, args: []string{"serve", flag}, stderr: []string{"Usage: ward serve [--config FILE]", "-config", "-log.level"}},
			cliCase{name: "check " + flag, args: []string{"check", flag}, stderr: []string{"ward check config FILE", "ward check rules FILE..."}},
			cliCase{name: "check config " + flag, args: []string{"check", "config", flag}, stderr: []string{"Usage: ward check config FILE"}},
			cliCase{name: "check rules " + flag, args: []string{"check", "rules", flag}, stderr: []string{"Usage: ward check rules FILE..."}},
			cliCase{name: "test " + flag, args: []string{"test", flag}, stderr: []string{"ward test rules [--run REGEXP]..."}},
			cliCase{name: "test rules " + flag, args: []string{"test", "rules", flag}, stderr: []string{"Usage: ward test rules [flags] FILE...", "-run", "-diff", "-ignore-unknown-fields"}},
			// version has no flags: it prints the version whatever follows.
			cliCase{name: "version " + flag, args: []string{"version", flag}, stdout: []string{"ward, version"}},
		)
	}
	cases = append(cases, cliCase{name: "help", args: []string{"help"}, stdout: []string{topUsage}, stderr: []string{""}})
	runCases(t, cases)
}

func TestUsageErrors(t *testing.T) {
	runCases(t, []cliCase{
		{name: "no command", args: nil, code: 2, stdout: []string{""}, stderr: []string{"Usage:"}},
		{name: "unknown command", args: []string{"bogus"}, code: 2, stdout: []string{""}, stderr: []string{`ward: unknown command "bogus"`, "Usage:"}},
		{name: "check without subcommand", args: []string{"check"}, code: 2, stderr: []string{"ward check config FILE"}},
		{name: "unknown check subcommand", args: []string{"check", "bogus"}, code: 2, stderr: []string{`ward check: unknown subcommand "bogus"`}},
		{name: "test without subcommand", args: []string{"test"}, code: 2, stderr: []string{"ward test rules"}},
		{name: "unknown test subcommand", args: []string{"test", "bogus"}, code: 2, stderr: []string{"ward test rules"}},
		{name: "check config without file", args: []string{"check", "config"}, code: 2, stderr: []string{"Usage: ward check config FILE"}},
		{name: "check config with two files", args: []string{"check", "config", "a.yaml", "b.yaml"}, code: 2, stderr: []string{"Usage: ward check config FILE"}},
		{name: "check rules without files", args: []string{"check", "rules"}, code: 2, stderr: []string{"Usage: ward check rules FILE..."}},
		{name: "test rules without files", args: []string{"test", "rules"}, code: 2, stderr: []string{"Usage: ward test rules [flags] FILE..."}},
		{name: "unknown serve flag", args: []string{"serve", "--bogus"}, code: 2, stderr: []string{"flag provided but not defined: -bogus"}},
		{name: "bad log level", args: []string{"serve", "--log.level", "loud"}, code: 2, stderr: []string{"ward serve: --log.level:"}},
		{name: "unknown check rules flag", args: []string{"check", "rules", "--bogus", "testdata/rules/good.yml"}, code: 2, stderr: []string{"flag provided but not defined: -bogus"}},
		{name: "unknown test rules flag", args: []string{"test", "rules", "--bogus", "testdata/ruletest/groups_test.yml"}, code: 2, stderr: []string{"flag provided but not defined: -bogus"}},
	})
}

func TestVersion(t *testing.T) {
	runCases(t, []cliCase{
		{name: "version", args: []string{"version"}, stdout: []string{"ward, version", "go version:"}, stderr: []string{""}},
		{name: "--version", args: []string{"--version"}, stdout: []string{"ward, version"}, stderr: []string{""}},
	})
}

// TestCheckConfig runs `ward check config` on the example config and on
// every file under testdata/config: good/ files must pass and bad/ files
// fail, each with the output its "# want:" comments give and none that its
// "# never:" comments forbid.
func TestCheckConfig(t *testing.T) {
	good := append([]string{"../../config.example.yaml"}, glob(t, "testdata/config/good/*.yaml")...)
	var cases []cliCase
	for _, f := range good {
		want, never := directives(t, f)
		cases = append(cases, cliCase{
			name:   f,
			args:   []string{"check", "config", f},
			stdout: append([]string{f + ": SUCCESS: "}, want...),
			stderr: []string{""},
			never:  never,
		})
	}
	for _, f := range glob(t, "testdata/config/bad/*.yaml") {
		want, never := directives(t, f)
		if len(want) == 0 {
			t.Fatalf("%s has no \"# want: \" line", f)
		}
		cases = append(cases, cliCase{
			name:   f,
			args:   []string{"check", "config", f},
			code:   1,
			stdout: []string{""},
			stderr: append([]string{f + ": FAILED\n"}, want...),
			never:  never,
		})
	}
	// --config FILE as serve and token take it; not both.
	cases = append(cases, cliCase{
		name:   "--config FILE",
		args:   []string{"check", "config", "--config", "../../config.example.yaml"},
		stdout: []string{"../../config.example.yaml: SUCCESS: "},
		stderr: []string{""},
	}, cliCase{
		name:   "--config and FILE",
		args:   []string{"check", "config", "--config", "../../config.example.yaml", "other.yaml"},
		code:   2,
		stderr: []string{"Usage: ward check config FILE | --config FILE"},
	})
	cases = append(cases, cliCase{
		name:   "missing file",
		args:   []string{"check", "config", "testdata/config/missing.yaml"},
		code:   1,
		stderr: []string{"testdata/config/missing.yaml: FAILED", "open testdata/config/missing.yaml"},
	})
	runCases(t, cases)
}

func TestCheckRules(t *testing.T) {
	const (
		good     = "testdata/rules/good.yml"
		badExpr  = "testdata/rules/bad_expr.yml"
		badTmpl  = "testdata/rules/bad_template.yml"
		exprErr  = badExpr + `:5:15: group "bad", rule 1, "Broken": could not parse expression`
		tmplErr  = badTmpl + `: group "bad", rule 1, "BadTemplate": annotation "summary": template:`
		goodDone = "Checking " + good + "\n  SUCCESS: 2 rules found\n"
	)
	runCases(t, []cliCase{
		{name: "valid", args: []string{"check", "rules", good}, stdout: []string{goodDone}, stderr: []string{""}},
		{name: "invalid expression", args: []string{"check", "rules", badExpr}, code: 1,
			stdout: []string{"Checking " + badExpr}, stderr: []string{"FAILED", exprErr, "unclosed left parenthesis"}},
		{name: "bad annotation template", args: []string{"check", "rules", badTmpl}, code: 1,
			stdout: []string{"Checking " + badTmpl}, stderr: []string{"FAILED", tmplErr, "unclosed action"}},
		// A failing file does not stop the files after it being checked.
		{name: "one bad among several", args: []string{"check", "rules", badExpr, good}, code: 1,
			stdout: []string{"Checking " + badExpr, goodDone}, stderr: []string{exprErr}},
		{name: "every bad file reported", args: []string{"check", "rules", badExpr, good, badTmpl}, code: 1,
			stdout: []string{"Checking " + badExpr, goodDone, "Checking " + badTmpl}, stderr: []string{exprErr, tmplErr}},
		{name: "missing file", args: []string{"check", "rules", "testdata/rules/missing.yml"}, code: 1,
			stderr: []string{"open testdata/rules/missing.yml"}},
	})
}

func TestCheckRulesBuiltinPack(t *testing.T) {
	files := glob(t, "../../rules/builtin/*.yml")
	code, stdout, stderr := runWard(t, append([]string{"check", "rules"}, files...)...)
	if code != 0 || stderr != "" {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
	}
	for _, f := range files {
		if !strings.Contains(stdout, "Checking "+f+"\n  SUCCESS: ") {
			t.Errorf("no success reported for %s; stdout:\n%s", f, stdout)
		}
	}
}

// TestErrorNamesFileAsGiven checks that errors name a file the way the
// command line spelled it, so that editors and shells can jump to it.
func TestErrorNamesFileAsGiven(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	const rulesFile = "testdata/rules/bad_expr.yml"
	const configFile = "testdata/config/bad/unknown_key.yaml"
	var cases []cliCase
	for _, f := range []string{rulesFile, "./" + rulesFile, "testdata/../" + rulesFile, abs(rulesFile)} {
		cases = append(cases, cliCase{
			name:   "check rules " + f,
			args:   []string{"check", "rules", f},
			code:   1,
			stdout: []string{"Checking " + f + "\n"},
			stderr: []string{"\n" + f + ":5:15: "},
		})
	}
	for _, f := range []string{configFile, "./" + configFile, "testdata/../" + configFile, abs(configFile)} {
		cases = append(cases, cliCase{
			name:   "check config " + f,
			args:   []string{"check", "config", f},
			code:   1,
			stderr: []string{f + ": FAILED\n" + f + ":5:3: global.scrape_intervall: unknown key"},
		})
	}
	runCases(t, cases)
}

func TestTestRules(t *testing.T) {
	const groups = "testdata/ruletest/groups_test.yml"
	builtin := glob(t, "../../rules/builtin/tests/*.yml")
	var builtinOut []string
	for _, f := range builtin {
		builtinOut = append(builtinOut, "Unit Testing: "+f+"\n  SUCCESS\n")
	}
	failure := "name: fails,\n    expr: \"job:http_requests:rate5m\", time: 10m,"
	runCases(t, []cliCase{
		{name: "built-in pack tests", args: append([]string{"test", "rules"}, builtin...),
			stdout: builtinOut, never: []string{"FAILED"}},
		{name: "failing group", args: []string{"test", "rules", groups}, code: 1,
			stdout: []string{"Unit Testing: " + groups + "\n  FAILED:\n", failure}, never: []string{"name: passes"}},
		{name: "run selects passing group", args: []string{"test", "rules", "--run", "^passes$", groups},
			stdout: []string{"Unit Testing: " + groups + "\n  SUCCESS\n"}, never: []string{"FAILED"}},
		{name: "run selects failing group", args: []string{"test", "rules", "--run", "^fails$", groups}, code: 1,
			stdout: []string{"FAILED", failure}},
		{name: "run is repeatable", args: []string{"test", "rules", "--run", "^passes$", "--run", "^fails$", groups}, code: 1,
			stdout: []string{failure}},
		{name: "invalid run regexp", args: []string{"test", "rules", "--run", "[", groups}, code: 1,
			stdout: []string{"invalid test group selector"}},
		{name: "missing file", args: []string{"test", "rules", "testdata/ruletest/missing.yml"}, code: 1,
			stdout: []string{"FAILED", "testdata/ruletest/missing.yml"}},
	})
}
