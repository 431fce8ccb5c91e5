package app

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
)

// rssFile reads RssFile (kB) from /proc/self/status.
func rssFile(tb testing.TB) int64 {
	tb.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "RssFile:"); ok {
			kb, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb
		}
	}
	tb.Fatal("no RssFile in /proc/self/status")
	return 0
}

// TestReleaseStartPages releases this test binary's code and read-only
// pages: they were resident, the process's file-backed RSS falls, and the
// code runs on (its pages fault back in from the page cache).
func TestReleaseStartPages(t *testing.T) {
	before := rssFile(t)
	n, err := releaseStartPages()
	if err != nil {
		t.Fatal(err)
	}
	after := rssFile(t)
	t.Logf("released %d kB; RssFile %d kB -> %d kB", n>>10, before, after)
	if n <= 0 {
		t.Fatalf("released %d bytes, want some", n)
	}
	if after >= before {
		t.Errorf("RssFile %d kB after releasing, was %d kB", after, before)
	}
	var v map[string][]int
	if err := json.Unmarshal([]byte(`{"still":[1,2,3]}`), &v); err != nil || len(v["still"]) != 3 {
		t.Fatalf("code after the release: %v %v", v, err)
	}
}
