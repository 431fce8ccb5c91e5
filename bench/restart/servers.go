package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// scenarios are one server's ready times: first start on the dataset as
// a killed server left it, after a clean stop, and after a crash.
type scenarios struct {
	Name                string
	First, Clean, Crash time.Duration
	// Stop is how long the clean stop took (SIGTERM to exit).
	Stop time.Duration
}

// server starts one process on a data directory.
type server struct {
	name   string
	args   func(port int) []string
	bin    string
	logDir string
}

// phases are the log lines worth timing: block loading, WAL replay, the
// chunk snapshot, ward's own phases.
var phases = regexp.MustCompile(`(?i)replay|snapshot|blocks? (load|open)|loading|tsdb opened|started|ready|server is ready|startup`)

// start runs the server and returns the time from exec to /-/ready 200.
func (s server) start(ctx context.Context, round string) (*exec.Cmd, time.Duration, error) {
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	cmd := exec.CommandContext(ctx, s.bin, s.args(port)...)
	logf, err := os.Create(filepath.Join(s.logDir, s.name+"-"+round+".log"))
	if err != nil {
		return nil, 0, err
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintf(logf, "+%6.2fs %s\n", time.Since(begin).Seconds(), line)
			if phases.MatchString(line) {
				fmt.Printf("  %s %-6s +%6.2fs %s\n", s.name, round, time.Since(begin).Seconds(), trim(line))
			}
		}
		logf.Close()
	}()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); pw.Close(); close(exited) }()
	url := fmt.Sprintf("http://127.0.0.1:%d/-/ready", port)
	client := &http.Client{Timeout: time.Second}
	for {
		select {
		case <-exited:
			return nil, 0, fmt.Errorf("%s exited before ready (log %s)", s.name, logf.Name())
		case <-time.After(20 * time.Millisecond):
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				took := time.Since(begin)
				go func() { <-exited }()
				return cmd, took, nil
			}
		}
		if time.Since(begin) > 10*time.Minute {
			_ = cmd.Process.Kill()
			return nil, 0, fmt.Errorf("%s: %w after 10 minutes", s.name, errNotReady)
		}
	}
}

func trim(line string) string {
	if len(line) > 220 {
		return line[:220] + "…"
	}
	return line
}

// cycle measures the three starts: first, clean restart, crash restart.
func (s server) cycle(ctx context.Context, settle time.Duration) (*scenarios, error) {
	out := &scenarios{Name: s.name}
	cmd, took, err := s.start(ctx, "first")
	if err != nil {
		return nil, err
	}
	out.First = took
	fmt.Printf("%s: ready %.2fs after exec (first start: the WAL as a killed server left it)\n", s.name, took.Seconds())
	sleep(ctx, settle)
	begin := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := waitExit(cmd, 5*time.Minute); err != nil {
		return nil, err
	}
	out.Stop = time.Since(begin)
	if cmd, took, err = s.start(ctx, "clean"); err != nil {
		return nil, err
	}
	out.Clean = took
	fmt.Printf("%s: ready %.2fs after exec (clean restart; the stop took %.2fs)\n", s.name, took.Seconds(), out.Stop.Seconds())
	sleep(ctx, settle)
	_ = cmd.Process.Kill()
	_ = waitExit(cmd, time.Minute)
	if cmd, took, err = s.start(ctx, "crash"); err != nil {
		return nil, err
	}
	out.Crash = took
	fmt.Printf("%s: ready %.2fs after exec (restart after kill -9)\n", s.name, took.Seconds())
	_ = cmd.Process.Signal(syscall.SIGTERM)
	return out, waitExit(cmd, 5*time.Minute)
}

func waitExit(cmd *exec.Cmd, limit time.Duration) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if cmd.Process.Signal(syscall.Signal(0)) != nil {
			return nil
		}
	}
	_ = cmd.Process.Kill()
	return fmt.Errorf("%s did not stop within %s", cmd.Path, limit)
}

func runWard(ctx context.Context, bin, src, tmp string, settle time.Duration, logger *slog.Logger) (*scenarios, error) {
	data := filepath.Join(tmp, "ward-data")
	if err := copyTSDB(src, filepath.Join(data, "tsdb")); err != nil {
		return nil, err
	}
	cfg := filepath.Join(tmp, "ward.yaml")
	s := server{name: "ward", bin: bin, logDir: tmp, args: func(port int) []string {
		// A month of data needs a retention longer than the month; at
		// 35 days the compactor's largest range is 54 h, the blocks'.
		yaml := fmt.Sprintf("storage:\n  path: %s\n  retention:\n    time: 35d\nserver:\n  listen: 127.0.0.1:%d\n", data, port)
		if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
			logger.Error("writing config", "err", err)
		}
		return []string{"serve", "--config", cfg}
	}}
	return s.cycle(ctx, settle)
}

func runPrometheus(ctx context.Context, bin, src, tmp string, settle time.Duration, logger *slog.Logger) (*scenarios, error) {
	data := filepath.Join(tmp, "prom-data")
	if err := copyTSDB(src, data); err != nil {
		return nil, err
	}
	cfg := filepath.Join(tmp, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 15s\n"), 0o600); err != nil {
		return nil, err
	}
	s := server{name: "prometheus", bin: bin, logDir: tmp, args: func(port int) []string {
		return []string{"--config.file=" + cfg, "--storage.tsdb.path=" + data, "--storage.tsdb.retention.time=35d",
			fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port)}
	}}
	return s.cycle(ctx, settle)
}

// copyTSDB hard-links the immutable blocks into dst and copies what a
// server changes in place (the WAL, head chunks).
func copyTSDB(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if rel == "complete" || rel == "lock" {
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		top := strings.SplitN(rel, string(filepath.Separator), 2)[0]
		if top != "wal" && top != "chunks_head" && top != "wbl" && strings.Count(rel, string(filepath.Separator)) > 0 {
			return os.Link(path, target)
		}
		return copyFile(path, target)
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func duSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			n += info.Size()
		}
		return err
	})
	return n, err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
