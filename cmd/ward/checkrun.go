package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/config"
)

// checkRun runs health checks once, all at once, and prints a table: the
// quick way to see whether a new check's settings work. It exits 0 when
// every selected check passed, 1 when one failed or the configuration is
// invalid, and 2 on a usage error such as an unknown check name.
func checkRun(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("check run", "ward check run [--config FILE] [NAME...]", stderr)
	cfgFile := fs.String("config", "", "configuration file (default: the embedded default config)")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	cfg, err := config.LoadFileOrDefault(*cfgFile)
	if err != nil {
		fmt.Fprintf(stderr, "ward check run: %v\n", err)
		return 1
	}
	selected, err := selectChecks(cfg.Checks, fs.Args())
	if err != nil {
		fmt.Fprintf(stderr, "ward check run: %v\n", err)
		return 2
	}
	if len(selected) == 0 {
		fmt.Fprintf(stderr, "ward check run: no checks configured in %s\n", cfg.Source)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	results := checks.RunOnce(ctx, selected)
	return printResults(stdout, results)
}

// selectChecks returns the checks named, in the order named, or all of
// them when names is empty.
func selectChecks(all []config.Check, names []string) ([]config.Check, error) {
	if len(names) == 0 {
		return all, nil
	}
	out := make([]config.Check, 0, len(names))
	for _, name := range names {
		i := slices.IndexFunc(all, func(c config.Check) bool { return c.Name == name })
		if i < 0 {
			known := make([]string, len(all))
			for j, c := range all {
				known[j] = c.Name
			}
			return nil, fmt.Errorf("no check named %q (configured: %v)", name, known)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// printResults writes the table and returns the exit code.
func printResults(w io.Writer, results []checks.Result) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tSTATUS\tLATENCY\tDETAILS")
	failed := 0
	for _, r := range results {
		status, details := "up", r.Details
		if !r.OK() {
			failed++
			status, details = "DOWN", r.Reason+": "+r.Error
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Check, r.Kind, status, latency(r.Duration), details)
	}
	_ = tw.Flush()
	noun := "checks"
	if len(results) == 1 {
		noun = "check"
	}
	fmt.Fprintf(w, "\n%d %s: %d up, %d down\n", len(results), noun, len(results)-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func latency(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}
