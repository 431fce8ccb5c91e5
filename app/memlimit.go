package app

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/ward-monitoring/ward/config"
)

// autoMemoryShare is the part of the host's (or cgroup's) memory that
// ward's Go heap is held under when server.memory_limit is not set.
// Prometheus uses 90% for a container it has to itself; ward usually
// shares a small host with the app it watches, and its RSS also holds
// what the soft limit does not count (goroutine stacks, the TSDB's
// memory-mapped chunks and index), so it keeps a quarter back.
const autoMemoryShare = 0.75

// memoryLimit decides the Go runtime's soft memory limit: -1 (leave it)
// when the GOMEMLIMIT environment variable is set, since the runtime has
// applied it already; server.memory_limit when set; otherwise
// autoMemoryShare of what host reports. source says which.
func memoryLimit(configured int64, gomemlimit string, host func() (int64, string, error)) (limit int64, source string, err error) {
	switch {
	case gomemlimit != "":
		return -1, "GOMEMLIMIT", nil
	case configured > 0:
		return configured, "server.memory_limit", nil
	}
	total, from, err := host()
	if err != nil {
		return -1, "none", err
	}
	return int64(float64(total) * autoMemoryShare), fmt.Sprintf("%.0f%% of %s", autoMemoryShare*100, from), nil
}

// setMemoryLimit applies the memory limit and logs the one in force.
func (a *App) setMemoryLimit(cfg *config.Config) {
	limit, source, err := memoryLimit(int64(cfg.Server.MemoryLimit), os.Getenv("GOMEMLIMIT"), func() (int64, string, error) {
		return hostMemory("/")
	})
	if err != nil {
		a.logger.Warn("cannot read the host's memory size; no memory limit set (set server.memory_limit)", "err", err)
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	limit = debug.SetMemoryLimit(-1)
	shown := "none"
	if limit != math.MaxInt64 {
		shown = fmt.Sprintf("%dMiB", limit>>20)
	}
	a.logger.Info("memory limit", "limit", shown, "bytes", limit, "source", source)
}

// hostMemory returns the memory available to this process, under root
// (the file system root; a test's fake tree): /proc/meminfo's MemTotal,
// or the cgroup's limit when that is smaller (v2 memory.max, v1
// memory.limit_in_bytes, the lowest along the cgroup's ancestors).
func hostMemory(root string) (int64, string, error) {
	total, err := memTotal(filepath.Join(root, "proc", "meminfo"))
	if err != nil {
		return 0, "", err
	}
	if cg, ok := cgroupLimit(root); ok && cg < total {
		return cg, "the cgroup memory limit", nil
	}
	return total, "MemTotal", nil
}

// memTotal reads MemTotal from a meminfo file.
func memTotal(file string) (int64, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, fmt.Errorf("meminfo: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			break
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb <= 0 || kb > math.MaxInt64>>10 {
			break
		}
		return kb << 10, nil
	}
	return 0, errors.New("meminfo: no MemTotal in kB")
}

// cgroupLimit returns the memory limit of this process's cgroup, if
// any: cgroup v2's memory.max or v1's memory.limit_in_bytes, the lowest
// from the process's cgroup up to the hierarchy's root.
func cgroupLimit(root string) (int64, bool) {
	data, err := os.ReadFile(filepath.Join(root, "proc", "self", "cgroup"))
	if err != nil {
		return 0, false
	}
	best, found := int64(math.MaxInt64), false
	for _, line := range strings.Split(string(data), "\n") {
		// hierarchy-ID:controller-list:cgroup-path
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		var dir, file string
		switch {
		case f[0] == "0" && f[1] == "":
			dir, file = filepath.Join(root, "sys", "fs", "cgroup"), "memory.max"
		case hasController(f[1], "memory"):
			dir, file = filepath.Join(root, "sys", "fs", "cgroup", "memory"), "memory.limit_in_bytes"
		default:
			continue
		}
		for p := path.Clean("/" + f[2]); ; p = path.Dir(p) {
			if v, ok := readLimit(filepath.Join(dir, filepath.FromSlash(p), file)); ok && v < best {
				best, found = v, true
			}
			if p == "/" {
				break
			}
		}
	}
	return best, found
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// readLimit reads one cgroup limit file: a byte count, or "max" (v2) or
// a value near the largest int64 (v1) for no limit.
func readLimit(file string) (int64, bool) {
	data, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	s := strings.TrimSpace(string(data))
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v >= math.MaxInt64>>1 {
		return 0, false
	}
	return v, true
}
