// Package benchcli holds what ward's bench instruments (bench/measure,
// bench/alerts) share: their main, and the end of a report — the JSON
// file and the strict check of the goals.
package benchcli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Main runs dispatch on the command line until it returns or the process
// is interrupted, and exits 1 with "name: error" on failure.
func Main(name string, dispatch func(ctx context.Context, args []string) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dispatch(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		stop()
		os.Exit(1)
	}
}

// WriteJSON writes doc, indented, to path.
func WriteJSON(path string, doc any) error {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// ErrGoalMissed is what a strict report returns when a goal was not met.
var ErrGoalMissed = errors.New("report: a goal was not met")

// Strict returns ErrGoalMissed when strict is set and any of met is false.
func Strict(strict bool, met ...bool) error {
	if !strict {
		return nil
	}
	for _, m := range met {
		if !m {
			return ErrGoalMissed
		}
	}
	return nil
}
