package app

import (
	"log/slog"
	"syscall"
	"testing"
)

// TestConnectionCap: half the file limit, within its floor and ceiling.
func TestConnectionCap(t *testing.T) {
	for nofile, want := range map[uint64]int{0: 1024, 100: minConnections, 1024: 512, 65536: 16384, 1 << 20: maxConnections} {
		if got := connectionCap(nofile); got != want {
			t.Errorf("connectionCap(%d) = %d, want %d", nofile, got, want)
		}
	}
}

// TestRaiseFileLimit lowers the soft limit and checks that start raises
// it back to the hard limit.
func TestRaiseFileLimit(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
	low := lim
	low.Cur = min(lim.Max, 512)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Fatal(err)
	}
	if got := raiseFileLimit(slog.New(slog.DiscardHandler)); got != lim.Max {
		t.Errorf("raiseFileLimit = %d, want the hard limit %d", got, lim.Max)
	}
}
