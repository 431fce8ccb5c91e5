// Package servicetest starts real services for tests — the Debian
// exporters and tools ward talks to — each on a free loopback port with its
// state in a temporary directory, stopped when the test ends. A missing
// binary fails the test with an install hint; it never skips.
package servicetest

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// FreeAddr returns a loopback host:port nothing listens on right now.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("servicetest: free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// LookPath finds a service binary or fails the test, naming the Debian
// package that provides it.
func LookPath(tb testing.TB, name, pkg string) string {
	tb.Helper()
	for _, p := range []string{name, filepath.Join("/usr/sbin", name), filepath.Join("/usr/bin", name)} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	tb.Fatalf("servicetest: %s not found: run `make test-deps` (apt-get install %s)", name, pkg)
	return ""
}

// Start runs a service process until the test ends and returns once url
// answers 200 (or the process exits, which fails the test).
func Start(tb testing.TB, url string, name string, args ...string) {
	tb.Helper()
	StartEnv(tb, nil, url, name, args...)
}

// StartEnv is Start with extra environment variables ("KEY=value").
func StartEnv(tb testing.TB, env []string, url string, name string, args ...string) {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	logFile := filepath.Join(tb.TempDir(), filepath.Base(name)+".log")
	out, err := os.Create(logFile)
	if err != nil {
		tb.Fatalf("servicetest: %v", err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		tb.Fatalf("servicetest: start %s: %v", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		cancel()
		<-exited
		out.Close()
	})
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logFile)
			tb.Fatalf("servicetest: %s exited early: %v\n%s", name, err, log)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(logFile)
	tb.Fatalf("servicetest: %s did not answer %s within 15s\n%s", name, url, log)
}

// NodeExporter starts Debian's prometheus-node-exporter and returns its
// host:port.
func NodeExporter(tb testing.TB) string {
	tb.Helper()
	bin := LookPath(tb, "prometheus-node-exporter", "prometheus-node-exporter")
	addr := FreeAddr(tb)
	Start(tb, "http://"+addr+"/metrics", bin, "--web.listen-address="+addr)
	return addr
}
