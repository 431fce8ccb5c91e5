// Command ward watches a web application and its PostgreSQL, Redis and S3
// dependencies, evaluates alerting rules and pages its team: Prometheus,
// Alertmanager and an exporter pile in one self-hosted binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/common/version"
	"golang.org/x/term"

	"github.com/ward-monitoring/ward/app"
)

const usage = `ward: metrics, rules, alerts and health checks in one binary.

Usage:
  ward serve [--config FILE]          run ward (embedded default config without --config)
  ward check config FILE              validate a configuration file and the rules it loads
                                      (or --config FILE, as serve takes it)
  ward check rules FILE...            validate rule files (like promtool check rules)
  ward test rules [flags] FILE...     run rule unit tests (like promtool test rules)
  ward alert test --receiver NAME     send a test notification through a receiver
  ward check run [--config FILE]      run health checks once and print the results
  ward user add|list|set-role|reset-password|reset-2fa|disable|enable|clear-throttle ...
                                      manage users (ward running or stopped)
  ward audit verify [--config FILE]   verify the audit trail's hash chain
  ward token create|list|revoke ...   manage API tokens (ward running or stopped)
  ward compliance report|verify ...   write or check a signed evidence pack (zip)
  ward backup run --token-file F -- CMD...
                                      run CMD and report it to a watched backup job
  ward backup self [--to DIR|s3://B/P] snapshot ward itself, encrypted
  ward restore self --from SNAPSHOT --data DIR
                                      restore such a snapshot into an empty directory
  ward key rotate|status [--config FILE]
                                      rotate ward's secret key, or show it and any rotation
  ward version                        print version information

Run "ward COMMAND --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run dispatches a command line and returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "test":
		return test(args[1:], stdout, stderr)
	case "alert":
		return alert(args[1:], stdout, stderr)
	case "user":
		return userCmd(args[1:], os.Stdin, stdout, stderr)
	case "audit":
		return auditCmd(args[1:], stdout, stderr)
	case "token":
		return tokenCmd(args[1:], stdout, stderr)
	case "backup": // issue 12
		if len(args) > 1 && args[1] == "self" { // issue 14
			return backupSelfCmd(args[2:], stdout, stderr)
		}
		return backupCmd(args[1:], stdout, stderr)
	case "restore": // issue 14: ward restore self
		return restoreCmd(args[1:], stdout, stderr)
	case "compliance": // issue 14
		return complianceCmd(args[1:], stdout, stderr)
	case "key": // issue 14
		return keyCmd(args[1:], stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, version.Print("ward"))
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "ward: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}

// newFlags returns a flag set whose --help prints summary and flags.
func newFlags(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s\n\nFlags:\n", summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; ok is false when the command should exit with code.
func parse(fs *flag.FlagSet, args []string) (code int, ok bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0, false
	case err != nil:
		return 2, false
	}
	return 0, true
}

func serve(args []string, stderr io.Writer) int {
	fs := newFlags("serve", "ward serve [--config FILE] [--log.level LEVEL]", stderr)
	cfgFile := fs.String("config", "", "configuration file (default: the embedded default config)")
	level := fs.String("log.level", "info", "log level: debug, info, warn or error")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "ward serve: unexpected argument %q (did you mean --config %s?)\n", fs.Arg(0), fs.Arg(0))
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "ward serve: --log.level: %v\n", err)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()

	// The first-run setup URL holds a token: it is printed only to a
	// person at a terminal, never into a log collector.
	var terminal io.Writer
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		terminal = f
	}
	if err := app.Run(ctx, app.Options{ConfigFile: *cfgFile, Logger: logger, Reload: reload, Terminal: terminal}); err != nil {
		logger.Error("ward failed", "err", err)
		return 1
	}
	return 0
}
