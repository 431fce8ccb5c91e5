package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/util/compression"

	"github.com/ward-monitoring/ward/bench/graphdata"
)

// dataset describes the restart figure's TSDB: Days of blocks of Series
// fleet series (bench/graphdata's, sampled every BlockInterval), then a
// WAL of WAL's length with the same series sampled every Scrape, as a
// server scraping them would have left it when it stopped.
type dataset struct {
	Series        int
	Days          int
	BlockInterval time.Duration
	WAL           time.Duration
	Scrape        time.Duration
	// End is where the blocks end, plus WAL: the start of the current UTC
	// day, so cached blocks serve one day. The WAL itself is written for
	// each run and ends now (writeWAL): a WAL hours old would make the
	// server compact its head right after the first start and leave the
	// later starts a shorter WAL to replay.
	End time.Time
}

// defaultDataset is the issue's: 30 days at 100k series plus a 2-hour
// WAL. The blocks are sampled every 30 minutes (144M samples) to keep
// generation within minutes on two cores: opening a block costs its
// index (series and postings), not its samples, which stay on disk. The
// WAL is sampled every 15 s like a real scrape (48M samples), because
// replaying it costs per sample.
func defaultDataset() dataset {
	return dataset{
		Series: 100_000, Days: 30, BlockInterval: 30 * time.Minute,
		WAL: 2 * time.Hour, Scrape: 15 * time.Second,
		End: time.Now().UTC().Truncate(24 * time.Hour),
	}
}

func (d dataset) key() string {
	return fmt.Sprintf("restart-v2-s%d-d%d-bi%s-w%s-sc%s-e%s", d.Series, d.Days, d.BlockInterval, d.WAL, d.Scrape,
		d.End.Format("20060102"))
}

// cached returns the dataset's TSDB directory under cacheDir, generating
// it first when absent, and how long generation took (0 when cached).
// Callers never open it: they copy it (copyTSDB).
func (d dataset) cached(cacheDir string, logger *slog.Logger) (string, time.Duration, error) {
	dir := filepath.Join(cacheDir, d.key())
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return "", 0, err
	}
	lock, err := os.OpenFile(filepath.Join(cacheDir, "restart.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", 0, err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", 0, fmt.Errorf("lock %s: %w", cacheDir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return dir, 0, nil
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", 0, err
	}
	start := time.Now()
	if err := d.generate(tmp, logger); err != nil {
		return "", 0, err
	}
	took := time.Since(start)
	if err := os.WriteFile(filepath.Join(tmp, "complete"), nil, 0o600); err != nil {
		return "", 0, err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", 0, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", 0, err
	}
	// Yesterday's dataset is ~2 GB.
	old, _ := filepath.Glob(filepath.Join(cacheDir, "restart-v*-*"))
	for _, o := range old {
		if o != dir && !strings.HasSuffix(o, ".tmp") {
			_ = os.RemoveAll(o)
		}
	}
	return dir, took, nil
}

// generate writes the blocks with bench/graphdata: Days of them, ending
// WAL before End, so that the WAL (ending at or after End) follows them.
func (d dataset) generate(dir string, logger *slog.Logger) error {
	start := time.Now()
	if err := graphdata.Generate(dir, graphdata.Params{
		Series: d.Series, Interval: d.BlockInterval, Days: d.Days, End: d.End.Add(-d.WAL),
	}, logger); err != nil {
		return fmt.Errorf("blocks: %w", err)
	}
	logger.Info("restart dataset: blocks written", "took", time.Since(start).Round(time.Second))
	return nil
}

// writeWAL writes d.WAL of samples ending at end into the TSDB at dir (a
// copy of the cached blocks) through a real TSDB head, which leaves WAL
// segments and memory-mapped head chunks exactly as a server that was
// killed at end.
func (d dataset) writeWAL(dir string, end time.Time, logger *slog.Logger) error {
	walStart := end.Add(-d.WAL)
	start := time.Now()
	opts := tsdb.DefaultOptions()
	opts.WALCompression = compression.Snappy
	opts.RetentionDuration = 0
	db, err := tsdb.Open(dir, slog.New(slog.DiscardHandler), nil, opts, nil)
	if err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	db.DisableCompactions()
	fleet := graphdata.Fleet(d.Series)
	refs := make([]storage.SeriesRef, len(fleet))
	vals := make([]float64, len(fleet))
	rng := rand.New(rand.NewPCG(3, 4))
	ctx := context.Background()
	n := 0
	for t := walStart; t.Before(end); t = t.Add(d.Scrape) {
		// One commit per 10k series, like scrapes of 2k-series targets
		// committing a few at a time.
		app := db.Appender(ctx)
		for i, s := range fleet {
			if s.Counter {
				vals[i] += float64(rng.IntN(50))
			} else {
				vals[i] = float64(rng.IntN(1000)) / 10
			}
			// Targets are scraped at their own offsets within the interval.
			ts := t.UnixMilli() + int64(i%int(d.Scrape.Milliseconds()))
			if refs[i], err = app.Append(refs[i], s.Labels, ts, vals[i]); err != nil {
				return fmt.Errorf("wal: %w", err)
			}
			n++
			if (i+1)%10_000 == 0 {
				if err := app.Commit(); err != nil {
					return err
				}
				app = db.Appender(ctx)
			}
		}
		if err := app.Commit(); err != nil {
			return err
		}
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("wal: %w", err)
	}
	logger.Info("restart dataset: WAL written", "samples", n, "took", time.Since(start).Round(time.Second))
	return nil
}
