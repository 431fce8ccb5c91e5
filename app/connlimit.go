package app

import (
	"log/slog"
	"syscall"
)

// Issue 13 fix round (attack #2): file descriptors and connections.

const (
	// maxConnections bounds ward's HTTP connections whatever the file
	// limit: each holds a goroutine and buffers, and a console and
	// its API clients need far fewer.
	maxConnections = 16384
	// minConnections is the cap when the file limit is tiny.
	minConnections = 64
)

// raiseFileLimit raises the soft RLIMIT_NOFILE to the hard limit, as
// Prometheus' own packaging does, and returns the limit now in force (0
// when it cannot be read). The TSDB alone may keep hundreds of block and
// WAL files open.
func raiseFileLimit(logger *slog.Logger) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		logger.Warn("cannot read the open file limit (RLIMIT_NOFILE)", "err", err)
		return 0
	}
	if lim.Cur < lim.Max {
		raised := lim
		raised.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			logger.Warn("cannot raise the open file limit (RLIMIT_NOFILE) to its hard limit", "soft", lim.Cur, "hard", lim.Max, "err", err)
			return lim.Cur
		}
		return raised.Cur
	}
	return lim.Cur
}

// connectionCap is the overall cap on HTTP connections for a file limit
// of nofile: half of it, leaving the other half to the TSDB, bbolt, the
// control socket, probes, scrapes and notifiers; at most
// maxConnections, at least minConnections.
func connectionCap(nofile uint64) int {
	if nofile == 0 {
		return 1024
	}
	return int(min(max(nofile/2, minConnections), maxConnections))
}
