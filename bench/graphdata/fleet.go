package graphdata

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
)

// Series is one background series and whether it is a counter.
type Series struct {
	Labels  labels.Labels
	Counter bool
}

// Fleet returns n label sets shaped like a real fleet: Windows hosts
// (windows_exporter-shaped: CPU by core and mode, memory, disks,
// network) alternating with app instances instrumented like a Go HTTP
// service (requests by handler/method/code, a latency histogram, Go
// runtime metrics). About 300 series per target. The fleet's hosts are
// not node_exporter's, so that the host board draws only Hosts.
func Fleet(n int) []Series {
	out := make([]Series, 0, n)
	for t := 0; len(out) < n; t++ {
		if t%2 == 0 {
			out = appendHost(out, "windows", fmt.Sprintf("win-%04d:9182", t/2))
		} else {
			out = appendApp(out, t/2)
		}
	}
	return out[:n]
}

// Hosts returns the series of n Linux hosts running node_exporter (CPU
// by core and mode, memory, filesystems, disks, network, load).
func Hosts(n int) []Series {
	var out []Series
	for h := range n {
		out = appendHost(out, "node", fmt.Sprintf("host-%02d:9100", h))
	}
	return out
}

// appendHost appends one host's series, named for exporter's prefix
// (node or windows).
func appendHost(out []Series, exporter, instance string) []Series {
	base := []string{"job", exporter, "instance", instance}
	add := func(name string, counter bool, kv ...string) {
		if rest, ok := strings.CutPrefix(name, "node_"); ok {
			name = exporter + "_" + rest
		}
		out = append(out, Series{labels.FromStrings(append(append([]string{"__name__", name}, base...), kv...)...), counter})
	}
	for cpu := range 8 {
		for _, mode := range []string{"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"} {
			add("node_cpu_seconds_total", true, "cpu", strconv.Itoa(cpu), "mode", mode)
		}
	}
	for _, m := range []string{"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapTotal", "SwapFree",
		"Active", "Inactive", "Dirty", "Writeback", "Slab", "SReclaimable", "SUnreclaim", "Shmem", "Mapped",
		"PageTables", "Committed_AS", "HugePages_Total", "HugePages_Free"} {
		add("node_memory_"+m+"_bytes", false)
	}
	for _, mnt := range [][2]string{{"/", "/dev/sda1"}, {"/boot", "/dev/sda2"}, {"/var", "/dev/sdb1"}, {"/data", "/dev/nvme0n1p1"}, {"/run", "tmpfs"}} {
		for _, m := range []string{"avail_bytes", "free_bytes", "size_bytes", "files", "files_free", "readonly"} {
			add("node_filesystem_"+m, false, "mountpoint", mnt[0], "device", mnt[1], "fstype", "ext4")
		}
	}
	for _, dev := range []string{"sda", "sdb", "nvme0n1"} {
		for _, m := range []string{"reads_completed_total", "writes_completed_total", "read_bytes_total", "written_bytes_total",
			"io_time_seconds_total", "read_time_seconds_total", "write_time_seconds_total", "io_now"} {
			add("node_disk_"+m, m != "io_now", "device", dev)
		}
	}
	for _, dev := range []string{"eth0", "eth1", "lo", "docker0"} {
		for _, dir := range []string{"receive", "transmit"} {
			for _, m := range []string{"bytes_total", "packets_total", "errs_total", "drop_total"} {
				add("node_network_"+dir+"_"+m, true, "device", dev)
			}
		}
	}
	for _, m := range []string{"node_load1", "node_load5", "node_load15", "node_procs_running", "node_procs_blocked",
		"node_filefd_allocated", "node_entropy_available_bits", "node_time_seconds", "node_boot_time_seconds"} {
		add(m, false)
	}
	for _, m := range []string{"node_context_switches_total", "node_intr_total", "node_forks_total", "node_vmstat_pgfault", "node_vmstat_pgmajfault"} {
		add(m, true)
	}
	add("up", false)
	return out
}

func appendApp(out []Series, a int) []Series {
	base := []string{"job", fmt.Sprintf("app-%02d", a%40), "instance", fmt.Sprintf("app-%04d:8080", a)}
	add := func(name string, counter bool, kv ...string) {
		out = append(out, Series{labels.FromStrings(append(append([]string{"__name__", name}, base...), kv...)...), counter})
	}
	for h := range 12 {
		handler := fmt.Sprintf("/api/v1/resource%d", h)
		for _, code := range []string{"200", "404", "500"} {
			add("http_requests_total", true, "handler", handler, "method", "GET", "code", code)
		}
		for _, le := range []string{"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"} {
			add("http_request_duration_seconds_bucket", true, "handler", handler, "method", "GET", "le", le)
		}
		add("http_request_duration_seconds_sum", true, "handler", handler, "method", "GET")
		add("http_request_duration_seconds_count", true, "handler", handler, "method", "GET")
	}
	for _, m := range []string{"go_goroutines", "go_threads", "go_memstats_alloc_bytes", "go_memstats_heap_inuse_bytes",
		"go_memstats_heap_objects", "go_memstats_stack_inuse_bytes", "go_memstats_sys_bytes", "process_resident_memory_bytes",
		"process_open_fds", "process_virtual_memory_bytes"} {
		add(m, false)
	}
	for _, m := range []string{"go_gc_duration_seconds_count", "go_memstats_mallocs_total", "go_memstats_frees_total", "process_cpu_seconds_total"} {
		add(m, true)
	}
	add("up", false)
	return out
}
