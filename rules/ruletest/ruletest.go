// Package ruletest runs rule unit tests written in promtool's test-file format,
// so that `ward test rules FILE...` gives the verdicts `promtool test rules
// FILE...` gives. It owns the test-file format and the test driver; series
// loading, rule evaluation and PromQL come from Prometheus' own packages
// (promqltest's LazyLoader, rules, promql/parser), so ward's rules are tested
// by the code that evaluates them in production.
package ruletest

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql/parser"
)

// Exit codes returned by Run, the ones promtool uses.
const (
	exitSuccess = 0
	exitFailure = 1
)

// Options tunes a run.
type Options struct {
	// Run holds regexps selecting test groups by name, like promtool --run.
	// A group runs when its name matches any of them; empty runs every group.
	Run []string
	// Diff prints a line diff of expected against got instead of both lists,
	// like promtool --diff; unlike promtool it does so for promql_expr_test
	// samples as well as for alerts.
	Diff bool
	// IgnoreUnknownFields accepts unknown fields in the rule files under test
	// (custom metadata next to rules), like promtool --ignore-unknown-fields.
	// The test files themselves are always decoded strictly, as promtool does:
	// a misspelt key there would silently drop a test.
	IgnoreUnknownFields bool
}

// Run executes the rule unit tests in files, writes progress and failures to w
// the way promtool does, and returns the process exit code promtool would (0
// success, 1 failure).
func Run(ctx context.Context, w io.Writer, opts Options, files ...string) int {
	var selected *regexp.Regexp
	if len(opts.Run) > 0 {
		re, err := regexp.Compile(strings.Join(opts.Run, "|"))
		if err != nil {
			fmt.Fprintf(w, "invalid test group selector: %v\n", err)
			return exitFailure
		}
		selected = re
	}
	// One parser for the whole run: rule files and test expressions must be
	// read with the same PromQL dialect.
	p := parser.NewParser(parser.Options{})

	code := exitSuccess
	for _, f := range files {
		fmt.Fprintf(w, "Unit Testing: %s\n", f)
		errs := runFile(ctx, w, f, fileOptions{
			selected:            selected,
			diff:                opts.Diff,
			ignoreUnknownFields: opts.IgnoreUnknownFields,
			parser:              p,
		})
		if len(errs) > 0 {
			fmt.Fprintln(w, "  FAILED:")
			for _, err := range errs {
				fmt.Fprintln(w, err)
				fmt.Fprintln(w)
			}
			code = exitFailure
		} else {
			fmt.Fprintln(w, "  SUCCESS")
		}
		fmt.Fprintln(w)
	}
	return code
}

// fileOptions is what runFile needs from Options, prepared once per Run.
type fileOptions struct {
	selected            *regexp.Regexp // nil selects every group
	diff                bool
	ignoreUnknownFields bool
	parser              parser.Parser
}

// runFile runs every selected test group of the test file at path and
// returns what failed. An unreadable or invalid file is one error that names
// it; failures inside groups are collected across groups, as promtool does.
func runFile(ctx context.Context, w io.Writer, path string, opts fileOptions) []error {
	if err := ctx.Err(); err != nil {
		return []error{err}
	}
	tf, warnings, err := loadTestFile(path)
	for _, warning := range warnings {
		fmt.Fprintln(w, "  WARNING:", warning)
	}
	if err != nil {
		return []error{err}
	}

	env := groupEnv{
		ruleFiles:           tf.RuleFiles,
		evalInterval:        time.Duration(tf.EvaluationInterval),
		groupOrder:          tf.groupOrder(),
		floatEqual:          exactFloatEqual,
		diff:                opts.diff,
		ignoreUnknownFields: opts.ignoreUnknownFields,
		parser:              opts.parser,
	}
	if tf.FuzzyCompare {
		env.floatEqual = fuzzyFloatEqual
	}

	var errs []error
	for i := range tf.Tests {
		tg := &tf.Tests[i]
		if opts.selected != nil && !opts.selected.MatchString(tg.Name) {
			continue
		}
		errs = append(errs, tg.run(ctx, env)...)
	}
	return errs
}
