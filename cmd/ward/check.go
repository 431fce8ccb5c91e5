package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/rules"
	"github.com/ward-monitoring/ward/rules/ruletest"
)

func check(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" {
		fmt.Fprint(stderr, "Usage:\n  ward check config FILE\n  ward check rules FILE...\n  ward check run [--config FILE] [NAME...]\n")
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	switch args[0] {
	case "config":
		return checkConfig(args[1:], stdout, stderr)
	case "rules":
		return checkRules(args[1:], stdout, stderr)
	case "run":
		return checkRun(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "ward check: unknown subcommand %q (want config, rules or run)\n", args[0])
	return 2
}

// checkConfig validates a configuration file and every rule it loads.
func checkConfig(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check config", "ward check config FILE | --config FILE", stderr)
	// --config as serve and token take it, so one command line pattern
	// works for all three.
	cfgFile := fs.String("config", "", "configuration file (instead of the FILE argument)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	file := *cfgFile
	switch {
	case file == "" && fs.NArg() == 1:
		file = fs.Arg(0)
	case file == "" || fs.NArg() != 0:
		fs.Usage()
		return 2
	}
	cfg, err := config.LoadFile(file)
	if err != nil {
		fmt.Fprintf(stderr, "%s: FAILED\n%s\n", file, err)
		return 1
	}
	jobs, err := cfg.Prometheus.GetScrapeConfigs()
	if err != nil {
		fmt.Fprintf(stderr, "%s: FAILED\n%s\n", file, err)
		return 1
	}
	n, err := rules.Validate(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%s: FAILED\n%s\n", file, err)
		return 1
	}
	if err := rules.CheckPanelThresholds(cfg); err != nil { // issue 11
		fmt.Fprintf(stderr, "%s: FAILED\n%s\n", file, err)
		return 1
	}
	if err := alerting.Validate(cfg.Alerting, &url.URL{Scheme: "http", Host: cfg.Server.Listen, Path: "/"}, slog.New(slog.DiscardHandler)); err != nil {
		fmt.Fprintf(stderr, "%s: FAILED\n%s\n", file, err)
		return 1
	}
	for _, pat := range rules.UnmatchedFiles(cfg) {
		fmt.Fprintf(stderr, "%s: WARNING: rule_files pattern %q matches no file; no rules are loaded from it\n", file, pat)
	}
	if ws := backupWarnings(cfg.Backups); len(ws) > 0 { // issue 12, T11
		data, _ := os.ReadFile(file)
		for _, w := range ws {
			fmt.Fprintf(stderr, "%s: WARNING: %s: %s\n", config.Position(data, file, w.path), w.path, w.msg)
		}
	}
	for _, w := range serverTLSWarnings(cfg, time.Now()) { // issue 13
		fmt.Fprintf(stderr, "%s: WARNING: %s\n", file, w)
	}
	fmt.Fprintf(stdout, "%s: SUCCESS: %s, %s, %s%s\n", file,
		plural(len(jobs), "scrape job"), plural(n, "rule"), plural(len(cfg.Alerting.Alertmanager.Receivers), "receiver"), backupsSummary(cfg.Backups))
	return 0
}

// plural counts things in English: "1 receiver", "2 receivers".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// checkRules validates rule files like promtool check rules: every file
// is checked and the exit code is 1 if any failed.
func checkRules(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check rules", "ward check rules FILE...", stderr)
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	code := 0
	for _, f := range fs.Args() {
		fmt.Fprintf(stdout, "Checking %s\n", f)
		n, errs := rules.CheckFile(f)
		if errs != nil {
			fmt.Fprintf(stderr, "  FAILED:\n")
			for _, err := range errs {
				fmt.Fprintf(stderr, "%s\n", err)
			}
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "  SUCCESS: %s found\n", plural(n, "rule"))
	}
	return code
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func test(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "rules" {
		fmt.Fprint(stderr, "Usage:\n  ward test rules [--run REGEXP]... [--diff] FILE...\n")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return 0
		}
		return 2
	}
	fs := newFlags("test rules", "ward test rules [flags] FILE...", stderr)
	var opts ruletest.Options
	fs.Var((*stringList)(&opts.Run), "run", "only run test groups whose name matches this regexp (repeatable)")
	fs.BoolVar(&opts.Diff, "diff", false, "print a diff of expected and actual results")
	fs.BoolVar(&opts.IgnoreUnknownFields, "ignore-unknown-fields", false, "ignore unknown fields in rule files")
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	return ruletest.Run(context.Background(), stdout, opts, fs.Args()...)
}
