package app

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/ward-monitoring/ward/config"
)

// fakeRoot writes files (path relative to the root: content) into a
// temporary file system root.
func fakeRoot(tb testing.TB, files map[string]string) string {
	tb.Helper()
	root := tb.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

const meminfo8G = "MemTotal:        8388608 kB\nMemFree:         1000000 kB\n"

func TestHostMemory(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  map[string]string
		want   int64
		source string
	}{
		{"no cgroup", map[string]string{"proc/meminfo": meminfo8G}, 8 << 30, "MemTotal"},
		{"cgroup v2 unlimited", map[string]string{
			"proc/meminfo":     meminfo8G,
			"proc/self/cgroup": "0::/system.slice/ward.service\n",
			"sys/fs/cgroup/system.slice/ward.service/memory.max": "max\n",
		}, 8 << 30, "MemTotal"},
		{"cgroup v2 limit", map[string]string{
			"proc/meminfo":     meminfo8G,
			"proc/self/cgroup": "0::/system.slice/ward.service\n",
			"sys/fs/cgroup/system.slice/ward.service/memory.max": "1073741824\n",
		}, 1 << 30, "the cgroup memory limit"},
		// A parent's lower limit binds the child too.
		{"cgroup v2 parent limit", map[string]string{
			"proc/meminfo":     meminfo8G,
			"proc/self/cgroup": "0::/system.slice/ward.service\n",
			"sys/fs/cgroup/system.slice/ward.service/memory.max": "max\n",
			"sys/fs/cgroup/system.slice/memory.max":              "536870912\n",
		}, 512 << 20, "the cgroup memory limit"},
		// In a container the cgroup namespace shows "/".
		{"cgroup v2 container root", map[string]string{
			"proc/meminfo":             meminfo8G,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "2147483648\n",
		}, 2 << 30, "the cgroup memory limit"},
		{"cgroup v1 limit", map[string]string{
			"proc/meminfo":     meminfo8G,
			"proc/self/cgroup": "5:cpuacct,cpu:/\n4:memory:/docker/abc\n0::/\n",
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "268435456\n",
		}, 256 << 20, "the cgroup memory limit"},
		{"cgroup v1 unlimited", map[string]string{
			"proc/meminfo":     meminfo8G,
			"proc/self/cgroup": "4:memory:/docker/abc\n",
			"sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes": "9223372036854771712\n",
		}, 8 << 30, "MemTotal"},
		// A limit above the host's memory does not raise it.
		{"cgroup above host", map[string]string{
			"proc/meminfo":             meminfo8G,
			"proc/self/cgroup":         "0::/\n",
			"sys/fs/cgroup/memory.max": "17179869184\n",
		}, 8 << 30, "MemTotal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, source, err := hostMemory(fakeRoot(t, tc.files))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || source != tc.source {
				t.Errorf("hostMemory = %d (%s), want %d (%s)", got, source, tc.want, tc.source)
			}
		})
	}
	for name, meminfo := range map[string]string{"no MemTotal": "MemFree: 1 kB\n", "no unit": "MemTotal: 8388608\n", "garbage": "MemTotal: lots kB\n"} {
		t.Run(name, func(t *testing.T) {
			if _, _, err := hostMemory(fakeRoot(t, map[string]string{"proc/meminfo": meminfo})); err == nil {
				t.Error("accepted")
			}
		})
	}
	if _, _, err := hostMemory(t.TempDir()); err == nil {
		t.Error("no /proc/meminfo accepted")
	}
}

func TestMemoryLimitChoice(t *testing.T) {
	host := func() (int64, string, error) { return 8 << 30, "MemTotal", nil }
	for _, tc := range []struct {
		name       string
		configured int64
		env        string
		host       func() (int64, string, error)
		want       int64
		source     string
	}{
		{"automatic", 0, "", host, 6 << 30, "75% of MemTotal"},
		{"configured", 1 << 30, "", host, 1 << 30, "server.memory_limit"},
		{"GOMEMLIMIT wins", 1 << 30, "2GiB", host, -1, "GOMEMLIMIT"},
		{"host unknown", 0, "", func() (int64, string, error) { return 0, "", errors.New("no /proc") }, -1, "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, source, _ := memoryLimit(tc.configured, tc.env, tc.host)
			if got != tc.want || source != tc.source {
				t.Errorf("memoryLimit = %d (%s), want %d (%s)", got, source, tc.want, tc.source)
			}
		})
	}
}

// TestSetMemoryLimit applies server.memory_limit to this process and logs
// the value in force.
func TestSetMemoryLimit(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	var log bytes.Buffer
	a := &App{logger: slog.New(slog.NewTextHandler(&log, nil))}
	cfg, err := config.Load([]byte("server:\n  memory_limit: 3GiB\n"), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a.setMemoryLimit(cfg)
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		t.Errorf("memory limit in force %d, want 3GiB", got)
	}
	if !strings.Contains(log.String(), `msg="memory limit" limit=3072MiB bytes=3221225472 source=server.memory_limit`) {
		t.Errorf("log: %s", log.String())
	}
}
