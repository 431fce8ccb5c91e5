package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// ruleIDs are the bench_id values of a run: the pool the measured alerts
// are drawn from, benchid001.., then the warm-up alerts benchid901...
func ruleIDs(pool, warmups int) (measured, warm []string, err error) {
	if pool < 1 || warmups < 0 || pool > 899 || warmups > 99 {
		return nil, nil, errors.New("want a pool of 1..899 alerts and 0..99 warm-up alerts")
	}
	for i := 1; i <= pool; i++ {
		measured = append(measured, benchID(i))
	}
	for i := 1; i <= warmups; i++ {
		warm = append(warm, benchID(900+i))
	}
	return measured, warm, nil
}

// rules prints the rule file both stacks load: one rule group per alert
// of the pool, each watching its own series, so that each group's
// evaluation phase (a hash of its name and file) can be told apart and
// chosen from; see plan.go.
func rules(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("rules", flag.ContinueOnError)
	n := fs.Int("pool", 96, "alerts (rule groups) the measured ones are chosen from")
	warmups := fs.Int("warmup", 1, "alerts sent first and not measured")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ids, warm, err := ruleIDs(*n, *warmups)
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	fmt.Fprintln(stdout, "groups:")
	for _, id := range append(ids, warm...) {
		fmt.Fprintf(stdout, `  - name: %s
    rules:
      - alert: BenchValueHigh
        expr: %s{bench_id=%q} > 0.5
        for: 0s
        labels:
          severity: critical
        annotations:
          summary: "bench alert {{ $labels.bench_id }}"
`, groupName(id), seriesName, id)
	}
	return nil
}

// groupName is the rule group of alert id.
func groupName(id string) string { return "alert-latency-" + id }
