package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// flakyWard is a real HTTP server on 127.0.0.1 whose answer to each
// request is chosen by its number (1 first): a status with Retry-After,
// or a dropped connection.
type flakyWard struct {
	mu    sync.Mutex
	paths []string
	srv   *httptest.Server
}

func newFlakyWard(t *testing.T, answer func(n int, w http.ResponseWriter) bool) *flakyWard {
	t.Helper()
	fw := &flakyWard{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fw.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		fw.mu.Lock()
		fw.paths = append(fw.paths, r.URL.Path)
		n := len(fw.paths)
		fw.mu.Unlock()
		if !answer(n, w) {
			// Drop the connection: the client sees an error, not a status.
			conn, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
	})}}
	fw.srv.Start()
	t.Cleanup(fw.srv.Close)
	return fw
}

func (fw *flakyWard) got() []string {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	return append([]string(nil), fw.paths...)
}

// TestBackupRunPingRetries: a ping answered 429 is sent again after its
// Retry-After, at most pingTries times; a dropped connection is retried
// once; a 404 (a wrong token) is not retried.
func TestBackupRunPingRetries(t *testing.T) {
	t.Setenv("WARD_TEST_PING_TOKEN", "tok-retry")
	status := func(code int, retryAfter string) func(w http.ResponseWriter) bool {
		return func(w http.ResponseWriter) bool {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(code)
			return true
		}
	}
	ok := status(200, "")
	limited := status(429, "1")
	drop := func(http.ResponseWriter) bool { return false }
	for _, tc := range []struct {
		name    string
		answers []func(http.ResponseWriter) bool // by request number; ok after
		want    []string                         // the paths ward saw
		minTime time.Duration
	}{
		{"429 then ok", []func(http.ResponseWriter) bool{limited, ok}, []string{"start", "start", "0"}, time.Second},
		{"429 three times gives up", []func(http.ResponseWriter) bool{limited, limited, limited}, []string{"start", "start", "start", "0"}, 2 * time.Second},
		{"a dropped connection is retried once", []func(http.ResponseWriter) bool{drop, drop}, []string{"start", "start", "0"}, 0},
		{"404 is not retried", []func(http.ResponseWriter) bool{status(404, "")}, []string{"start", "0"}, 0},
		{"Retry-After past the budget is not waited for", []func(http.ResponseWriter) bool{status(429, "3600")}, []string{"start", "0"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fw := newFlakyWard(t, func(n int, w http.ResponseWriter) bool {
				if n <= len(tc.answers) {
					return tc.answers[n-1](w)
				}
				return ok(w)
			})
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := run([]string{"backup", "run", "--url", fw.srv.URL, "--token-env", "WARD_TEST_PING_TOKEN", "--", "/bin/sh", "-c", "exit 0"}, &stdout, &stderr)
			took := time.Since(start)
			if code != 0 {
				t.Fatalf("exit code %d; stderr %s", code, stderr.String())
			}
			var got []string
			for _, p := range fw.got() {
				got = append(got, strings.TrimPrefix(p, "/ping/tok-retry/"))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("pings %q, want %q; stderr %s", got, tc.want, stderr.String())
			}
			if took < tc.minTime {
				t.Errorf("took %s, want at least %s (Retry-After waited for)", took, tc.minTime)
			}
			if took > 30*time.Second || strings.Contains(stderr.String(), "tok-retry") {
				t.Errorf("took %s; stderr %q: want bounded and without the token", took, stderr.String())
			}
		})
	}
}
