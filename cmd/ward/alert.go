package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/config"
)

// alert runs `ward alert test --receiver NAME [--config FILE]`: a test
// notification through the real receiver, with the outcome printed.
func alert(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprint(stderr, "Usage:\n  ward alert test --receiver NAME [--config FILE]\n")
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return 0
		}
		return 2
	}
	fs := newFlags("alert test", "ward alert test --receiver NAME [--config FILE]", stderr)
	receiver := fs.String("receiver", "", "receiver to send the test notification through (required)")
	cfgFile := fs.String("config", "", "configuration file (default: the embedded default config)")
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	if *receiver == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	cfg, err := config.LoadFileOrDefault(*cfgFile)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	ext := cfg.Server.ExternalURL
	if ext == "" {
		ext = "http://" + cfg.Server.Listen + "/"
	}
	extURL, err := url.Parse(ext)
	if err != nil {
		fmt.Fprintf(stderr, "server.external_url: %v\n", err)
		return 1
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	results, err := alerting.SendTest(context.Background(), cfg.Alerting, *receiver, extURL, logger)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	code := 0
	for _, r := range results {
		if r.OK {
			fmt.Fprintf(stdout, "%s: OK\n", r.Integration)
			continue
		}
		fmt.Fprintf(stdout, "%s: FAILED: %s\n", r.Integration, r.Error)
		code = 1
	}
	return code
}
