package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
)

const clearThrottleUsage = `Usage:
  ward user clear-throttle NAME [--config FILE]
  ward user clear-throttle NAME --url URL

Forgets the failed sign-in attempts counted against NAME in a running ward
(the throttle lives in its memory). Without --url it asks the ward running
on the data directory through its control socket (<data>/control/ward.sock;
run it as the OS user ward runs as). With --url, or when no ward answers
on the socket, it calls the HTTP API at URL (default: server.external_url,
or the listen address) with an admin API token from the WARD_TOKEN
environment variable (see "ward token create").
`

// clearThrottleCmd runs `ward user clear-throttle NAME` against a running
// ward: through its control socket, else its HTTP API.
func clearThrottleCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("user clear-throttle", "ward user clear-throttle NAME [flags]", stderr)
	cfgFile := fs.String("config", "", "configuration file (default: the embedded default config)")
	base := fs.String("url", "", "call ward's HTTP API at this address (admin token in WARD_TOKEN) instead of its control socket")
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, clearThrottleUsage)
		return 2
	}
	if *base == "" {
		resp, cfg, err := dispatch(context.Background(), *cfgFile, control.Request{Command: control.UserClearThrottle, Name: pos[0]}, stderr)
		switch {
		case err == nil:
			fmt.Fprintf(stdout, "failed sign-in attempts against %s were forgotten (as %s)\n", pos[0], resp.Actor)
			return 0
		case cfg == nil || !errors.Is(err, control.ErrNotRunning):
			fmt.Fprintf(stderr, "ward user clear-throttle: %v\n", err)
			return 1
		}
		*base = serverURL(cfg)
	}
	token := strings.TrimSpace(os.Getenv("WARD_TOKEN"))
	if token == "" {
		fmt.Fprintf(stderr, "ward user clear-throttle: no ward answers on its control socket here; to call %s, set WARD_TOKEN to an admin API token\n\n%s", *base, clearThrottleUsage)
		return 2
	}
	u, err := url.Parse(strings.TrimSuffix(*base, "/") + "/api/ward/users/" + url.PathEscape(pos[0]) + "/clear-throttle")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		fmt.Fprintf(stderr, "ward user clear-throttle: --url: want http:// or https://, got %q\n", *base)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "ward user clear-throttle: %v\n", err)
		return 1
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "ward user clear-throttle: is ward running at %s? %v\n", *base, err)
		return 1
	}
	defer resp.Body.Close()
	var env struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&env)
	if resp.StatusCode != http.StatusOK {
		msg := env.Error
		if msg == "" {
			msg = resp.Status
		}
		fmt.Fprintf(stderr, "ward user clear-throttle: %s\n", msg)
		return 1
	}
	fmt.Fprintf(stdout, "failed sign-in attempts against %s were forgotten\n", pos[0])
	return 0
}

// serverURL is where a running ward with cfg answers: its external URL,
// else its listen address (a wildcard host means loopback).
func serverURL(cfg *config.Config) string {
	if cfg.Server.ExternalURL != "" {
		return cfg.Server.ExternalURL
	}
	host, port, err := net.SplitHostPort(cfg.Server.Listen)
	if err != nil {
		return "http://" + cfg.Server.Listen
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}
