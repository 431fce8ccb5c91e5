package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/config"
)

const backupRunUsage = "ward backup run [--url URL] --token-file FILE|--token-env VAR [--job-bytes-from-restic] -- CMD [ARG...]"

// pingTimeout bounds each ping: a slow or absent ward must not hold the
// backup up, and the command's exit code is passed through regardless.
const pingTimeout = 10 * time.Second

// backupCmd runs `ward backup run`: it pings ward's /ping/{token}/start
// with a fresh run id, runs CMD (an argv, no shell) with its output
// passed through, then pings /ping/{token}/{exit code} with the last
// backups.MaxPingBody bytes of output, and exits with CMD's code.
func backupCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintf(stderr, "Usage:\n  %s\n", backupRunUsage)
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			return 0
		}
		return 2
	}
	fs := newFlags("backup run", backupRunUsage, stderr)
	base := fs.String("url", "http://"+config.DefaultListen, "ward's URL")
	tokenFile := fs.String("token-file", "", "file holding the job's ping token")
	tokenEnv := fs.String("token-env", "", "environment variable holding the job's ping token")
	restic := fs.Bool("job-bytes-from-restic", false, "report the size from restic's --json summary (total_bytes_processed) as bytes=")
	if code, ok := parse(fs, args[1:]); !ok {
		return code
	}
	argv := fs.Args()
	if len(argv) == 0 {
		fmt.Fprintf(stderr, "ward backup run: no command given (put it after --)\n")
		return 2
	}
	token, err := pingToken(*tokenFile, *tokenEnv)
	if err != nil {
		fmt.Fprintf(stderr, "ward backup run: %v\n", err)
		return 2
	}
	u, err := url.Parse(strings.TrimRight(*base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(stderr, "ward backup run: --url: want http(s)://host[:port]\n")
		return 2
	}
	p := pinger{base: u.String() + "/ping/" + url.PathEscape(token), token: token, rid: newRID(), stderr: stderr,
		client: &http.Client{Timeout: pingTimeout}}

	p.send("start", nil)
	tail := &tailBuffer{max: backups.MaxPingBody}
	code, runErr := runCommand(argv, io.MultiWriter(stdout, tail), io.MultiWriter(stderr, tail))
	body := tail.Bytes()
	if runErr != nil {
		fmt.Fprintf(stderr, "ward backup run: %v\n", runErr)
		body = append(body, []byte("\nward backup run: "+runErr.Error()+"\n")...)
	}
	var trailer []byte
	if *restic {
		if n, ok := resticBytes(body); ok {
			// The last line: ward reads the size from the last exact
			// bytes=N line, so the command's own output cannot set it.
			trailer = []byte("\nbytes=" + strconv.FormatInt(n, 10) + "\n")
		} else {
			fmt.Fprintf(stderr, "ward backup run: no restic summary with total_bytes_processed in the output's tail\n")
		}
	}
	if max := backups.MaxPingBody - len(trailer); len(body) > max {
		body = body[len(body)-max:]
	}
	body = append(body, trailer...)
	if code >= 0 && code <= 255 && runErr == nil {
		p.send(strconv.Itoa(code), body)
	} else {
		p.send("fail", body)
	}
	if code < 0 || code > 255 {
		return 1
	}
	return code
}

// pingToken reads the token from exactly one of file and env.
func pingToken(file, env string) (string, error) {
	var tok string
	switch {
	case (file == "") == (env == ""):
		return "", errors.New("give exactly one of --token-file and --token-env")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("--token-file: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	default:
		tok = strings.TrimSpace(os.Getenv(env))
	}
	if tok == "" {
		return "", errors.New("the ping token is empty")
	}
	if len(tok) > 128 || strings.ContainsAny(tok, "/?# \t\r\n") {
		return "", errors.New("the ping token is not a token (at most 128 characters, no '/', '?', '#' or spaces)")
	}
	return tok, nil
}

// runCommand runs argv with the given output, forwarding SIGINT and
// SIGTERM to it, and returns its exit code (128+signal when a signal
// ended it), or an error when it could not start (code 127).
func runCommand(argv []string, stdout, stderr io.Writer) (int, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Start(); err != nil {
		return 127, fmt.Errorf("starting %s: %w", argv[0], err)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &exitErr):
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return exitErr.ExitCode(), nil
	}
	return 1, fmt.Errorf("running %s: %w", argv[0], err)
}

// pinger sends one job's pings.
type pinger struct {
	base, token, rid string
	client           *http.Client
	stderr           io.Writer
}

// Ping retries: a 429 is tried again after its Retry-After, at most
// pingTries times in all and never past pingRetryBudget from the first
// try; a connection error once. Nothing else is retried: a 404 (a wrong
// token) would answer the same again.
const (
	pingTries       = 3
	pingRetryBudget = 2 * time.Minute
	// pingRetryDefault is the wait when a 429 names none.
	pingRetryDefault = 5 * time.Second
)

// send pings base/action?rid=... (action "" is success); a failure is
// reported on stderr, never fatal. Errors never show the token.
func (p pinger) send(action string, body []byte) {
	deadline := time.Now().Add(pingRetryBudget)
	connRetried := false
	for try := 1; ; try++ {
		wait, retry := p.try(action, body)
		if !retry || try >= pingTries {
			return
		}
		if wait == 0 {
			if connRetried {
				return
			}
			connRetried = true
		}
		if time.Now().Add(wait).After(deadline) {
			fmt.Fprintf(p.stderr, "ward backup run: ping %s: not retried (Retry-After %s is past the %s budget)\n", pingName(action), wait, pingRetryBudget)
			return
		}
		time.Sleep(wait)
	}
}

// try sends one ping. retry says whether to try again: after wait for a
// 429, at once (wait 0) after a connection error.
func (p pinger) try(action string, body []byte) (wait time.Duration, retry bool) {
	u := p.base
	if action != "" {
		u += "/" + action
	}
	u += "?rid=" + p.rid
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		fmt.Fprintf(p.stderr, "ward backup run: ping %s: %s\n", pingName(action), p.redact(err.Error()))
		return 0, false
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	req.Header.Set("User-Agent", "ward-backup-run")
	resp, err := p.client.Do(req)
	if err != nil {
		fmt.Fprintf(p.stderr, "ward backup run: ping %s: %s\n", pingName(action), p.redact(err.Error()))
		return 0, true
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode == http.StatusOK {
		return 0, false
	}
	fmt.Fprintf(p.stderr, "ward backup run: ping %s: ward answered %s\n", pingName(action), resp.Status)
	if resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	wait = pingRetryDefault
	if n, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && n >= 0 {
		wait = time.Duration(min(n, int(pingRetryBudget/time.Second)+1)) * time.Second
	}
	return max(wait, time.Millisecond), true
}

func (p pinger) redact(s string) string {
	s = strings.ReplaceAll(s, url.PathEscape(p.token), "<token>")
	return strings.ReplaceAll(s, p.token, "<token>")
}

func pingName(action string) string {
	if action == "" {
		return "success"
	}
	return action
}

// newRID is a random UUID (version 4), as Healthchecks' rid wants.
func newRID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
