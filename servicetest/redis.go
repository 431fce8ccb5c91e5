package servicetest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RedisOptions configure a test Redis.
type RedisOptions struct {
	// Password, if set, is required of every client (requirepass).
	Password string
	// MaxMemory, if set, is maxmemory (e.g. "64mb").
	MaxMemory string
}

// Redis is a redis-server started for a test.
type Redis struct {
	// Addr is its host:port on loopback.
	Addr string
	proc *Process
}

// StartRedis starts Debian's redis-server on a free loopback port, without
// persistence, and returns once it answers PING.
func StartRedis(tb testing.TB, o RedisOptions) *Redis {
	tb.Helper()
	bin := LookPath(tb, "redis-server", "redis-server")
	addr := FreeAddr(tb)
	host, port, _ := net.SplitHostPort(addr)
	dir := tb.TempDir()
	args := []string{"--bind", host, "--port", port, "--save", "", "--appendonly", "no", "--dir", dir}
	if o.Password != "" {
		args = append(args, "--requirepass", o.Password)
	}
	if o.MaxMemory != "" {
		args = append(args, "--maxmemory", o.MaxMemory)
	}
	proc := StartProcess(tb, func() error { return redisAnswers(addr) }, nil, bin, args...)
	return &Redis{Addr: addr, proc: proc}
}

// Stop stops the server; later connections are refused.
func (r *Redis) Stop() { r.proc.Stop() }

// redisAnswers sends PING; +PONG and -NOAUTH both mean the server is up.
func redisAnswers(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") && !strings.HasPrefix(line, "-NOAUTH") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Process is a service process started for a test.
type Process struct {
	name    string
	cancel  context.CancelFunc
	exited  chan error
	logFile string
	stopped bool
}

// StartProcess runs name with args (and env added to the environment)
// until Stop or the end of the test, and returns once ready succeeds. It
// fails the test if the process exits first or ready keeps failing for
// 30 s, showing the process's output.
func StartProcess(tb testing.TB, ready func() error, env []string, name string, args ...string) *Process {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	p := &Process{name: name, cancel: cancel, exited: make(chan error, 1),
		logFile: filepath.Join(tb.TempDir(), filepath.Base(name)+".log")}
	out, err := os.Create(p.logFile)
	if err != nil {
		cancel()
		tb.Fatalf("servicetest: %v", err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		cancel()
		out.Close()
		tb.Fatalf("servicetest: start %s: %v", name, err)
	}
	go func() { p.exited <- cmd.Wait(); out.Close() }()
	tb.Cleanup(p.Stop)

	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-p.exited:
			p.exited <- err
			tb.Fatalf("servicetest: %s exited early: %v\n%s", name, err, p.Log())
		default:
		}
		err := ready()
		if err == nil {
			return p
		}
		if time.Now().After(deadline) {
			tb.Fatalf("servicetest: %s not ready within 30s: %v\n%s", name, err, p.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop kills the process and waits for it to exit. It is safe to call
// more than once.
func (p *Process) Stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	p.cancel()
	<-p.exited
}

// Log returns what the process has written so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.logFile)
	return string(b)
}
