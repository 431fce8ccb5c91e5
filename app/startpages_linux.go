package app

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// releaseStartPages drops from ward's page tables the pages of its own
// executable's code and read-only data, once start-up is done (issue 15),
// as debug.FreeOSMemory hands back the heap start-up used. Start-up runs
// the init of some 500 packages and builds API descriptions once; each
// page it touched stays mapped, and the kernel maps up to 16 cached pages
// around every page faulted in (fault-around), so an idle ward kept
// ~50 MB of its binary resident, half its RSS. The pages stay in the
// page cache, clean: the next use faults them back in without I/O, and
// what steady-state work touches returns within seconds.
//
// Only mappings of the executable that are not writable and hold no
// anonymous (written) pages are released: MADV_DONTNEED on a private
// mapping discards changes, and code and read-only data have none. It returns the bytes that were resident.
func releaseStartPages() (int64, error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, fmt.Errorf("release start pages: %w", err)
	}
	maps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, fmt.Errorf("release start pages: %w", err)
	}
	var released int64
	var start, end uintptr
	var rss int64 // KiB resident of the current mapping
	ours := false
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		line := sc.Text()
		if f := strings.Fields(line); len(f) >= 5 && strings.Contains(f[0], "-") && len(f[1]) == 4 {
			// A mapping's header: range perms offset dev inode [path].
			lo, hi, _ := strings.Cut(f[0], "-")
			s, err1 := strconv.ParseUint(lo, 16, 64)
			e, err2 := strconv.ParseUint(hi, 16, 64)
			path := ""
			if len(f) >= 6 {
				path = f[5]
			}
			ours = err1 == nil && err2 == nil && path == exe && f[1][1] == '-' && f[1][3] == 'p'
			start, end, rss = uintptr(s), uintptr(e), 0
			continue
		}
		if !ours {
			continue
		}
		// Rss comes before Anonymous in each mapping's block. A page
		// written after mapping (relocations of a PIE build's read-only
		// data, before mprotect) is anonymous: discarding it would undo
		// the write, so a mapping holding any is left alone.
		if v, ok := strings.CutPrefix(line, "Rss:"); ok {
			rss, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			continue
		}
		v, ok := strings.CutPrefix(line, "Anonymous:")
		if !ok {
			continue
		}
		anon, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		if err != nil || anon != 0 || rss == 0 {
			continue
		}
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, unix.MADV_DONTNEED); errno != 0 {
			return released, fmt.Errorf("release start pages: madvise %x-%x: %w", start, end, errno)
		}
		released += rss << 10
	}
	return released, sc.Err()
}
