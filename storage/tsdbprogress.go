package storage

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/prometheus/tsdb"
)

// progressEvery is how often opening the TSDB logs its progress. Prometheus
// logs each WAL segment as it is replayed but nothing while it opens
// blocks; on a month of data either can take seconds, and an operator
// watching a restart should never see the log stand still longer.
const progressEvery = 2 * time.Second

// logOpenProgress logs, every progressEvery until ctx ends, how far
// opening the TSDB in dir has got: blocks loaded of the blocks on disk,
// then WAL segments replayed of the segments to replay.
func logOpenProgress(ctx context.Context, dir string, stats *tsdb.DBStats, logger *slog.Logger) {
	start := time.Now()
	total := countBlocks(dir)
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		elapsed := time.Since(start).Round(100 * time.Millisecond)
		wal := stats.Head.WALReplayStatus.GetWALReplayStatus()
		if wal.Max > 0 || wal.Current > 0 {
			// Segments Min..Max; Current is the one being replayed.
			logger.Info("opening tsdb: replaying the WAL", "segments_done", max(wal.Current-wal.Min, 0),
				"segments_total", wal.Max-wal.Min+1, "blocks", total, "elapsed", elapsed)
			continue
		}
		logger.Info("opening tsdb: loading blocks", "blocks_loaded", mappedBlocks(dir), "blocks_total", total, "elapsed", elapsed)
	}
}

// countBlocks counts the block directories in dir (those with a meta.json).
func countBlocks(dir string) int {
	metas, _ := filepath.Glob(filepath.Join(dir, "*", "meta.json"))
	return len(metas)
}

// mappedBlocks counts the blocks of dir whose index this process has
// memory-mapped, which opening a block does first: the blocks loaded so
// far. It reads /proc/self/maps; elsewhere it returns -1.
func mappedBlocks(dir string) int {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return -1
	}
	defer f.Close()
	abs, err := filepath.Abs(dir)
	if err != nil {
		return -1
	}
	prefix := abs + string(filepath.Separator)
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		i := strings.Index(line, prefix)
		if i < 0 || !strings.HasSuffix(line, string(filepath.Separator)+"index") {
			continue
		}
		block, _, _ := strings.Cut(line[i+len(prefix):], string(filepath.Separator))
		seen[block] = true
	}
	return len(seen)
}
