// Package graphdata writes the TSDB blocks the graphs benchmarks (issue
// 11) query: a fleet of node_exporter hosts and instrumented app
// instances, 100k series over 7 days, laid out in blocks the way
// Prometheus' compactor would leave them, so neither ward nor Prometheus
// compacts them while the benchmark runs. Generation takes minutes, so
// the blocks are cached on disk under a name that holds every parameter.
package graphdata

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

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
)

// Params describe a dataset. The zero value is not useful; see Default.
type Params struct {
	// Series is the number of background series (the fleet).
	Series int
	// Interval is the fleet's sample interval.
	Interval time.Duration
	// Days of data, ending at End.
	Days int
	// End is the end of the data, exclusive. Default: the start of the
	// current UTC day, so a cached dataset serves one day.
	End time.Time
	// Panel is the number of panel series, sampled every PanelInterval.
	Panel         int
	PanelInterval time.Duration
	// Hosts is the number of node_exporter hosts the host board draws,
	// sampled every PanelInterval.
	Hosts int
}

// Default is the figure: 100k series, 7 days. The fleet is
// sampled every 5 minutes (202M samples: all of the series hold data
// over all 7 days, and generation stays within a few minutes on two
// cores); what the benchmarks read is sampled every 15 s as a scrape
// would: the 10 panel series and 10 node_exporter hosts (1,850
// series, the host board's data; 75M samples).
func Default() Params {
	return Params{
		Series: 100_000, Interval: 5 * time.Minute, Days: 7,
		End:   time.Now().UTC().Truncate(24 * time.Hour),
		Panel: 10, PanelInterval: 15 * time.Second, Hosts: 10,
	}
}

// PanelJob is the job of the panel series; PanelQuery selects exactly
// them, through the same metric name as 40% of the fleet.
const (
	PanelJob   = "checkout"
	PanelQuery = `sum by (instance) (rate(http_requests_total{job="checkout"}[5m]))`
)

// Key names the dataset in a cache.
func (p Params) Key() string {
	return fmt.Sprintf("graphs-v2-s%d-i%s-d%d-e%s-p%d-pi%s-h%d", p.Series, p.Interval, p.Days,
		p.End.UTC().Format("20060102"), p.Panel, p.PanelInterval, p.Hosts)
}

// Start is the first sample's time.
func (p Params) Start() time.Time { return p.End.Add(-time.Duration(p.Days) * 24 * time.Hour) }

// Cached returns a directory of blocks for p under cacheDir, generating
// it first when absent. The directory must not be opened read-write:
// callers copy (hard-link) its blocks into their own data directory.
func Cached(cacheDir string, p Params, logger *slog.Logger) (string, error) {
	dir := filepath.Join(cacheDir, p.Key())
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		return "", err
	}
	// One generator at a time: a second would remove the first's work.
	lock, err := os.OpenFile(filepath.Join(cacheDir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("graphdata: lock %s: %w", cacheDir, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return dir, nil
	}
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return "", err
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return "", err
	}
	if err := Generate(tmp, p, logger); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, "complete"), nil, 0o600); err != nil {
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	// Older datasets (yesterday's, other parameters) are 0.5-1 GB each.
	old, _ := filepath.Glob(filepath.Join(cacheDir, "graphs-v*-*"))
	for _, o := range old {
		if o != dir && !strings.HasSuffix(o, ".tmp") {
			_ = os.RemoveAll(o)
		}
	}
	return dir, nil
}

// Generate writes the blocks of p into dir.
func Generate(dir string, p Params, logger *slog.Logger) error {
	fleet := Fleet(p.Series)
	panel := make([]labels.Labels, p.Panel)
	for i := range panel {
		panel[i] = labels.FromStrings("__name__", "http_requests_total", "job", PanelJob,
			"instance", fmt.Sprintf("checkout-%d:8080", i), "handler", "/api/checkout", "method", "POST", "code", "200")
	}
	// Per-series state carries over from block to block: counters keep
	// growing across the week.
	fleetVals := make([]float64, len(fleet))
	panelVals := make([]float64, len(panel))
	hosts := Hosts(p.Hosts)
	hostVals := make([]float64, len(hosts))
	rng := rand.New(rand.NewPCG(1, 2))
	for _, r := range blockRanges(p.Start(), p.End) {
		start := time.Now()
		// The head accepts samples up to half its chunk range behind its
		// newest one; series go in one after the other, each from r[0].
		w, err := tsdb.NewBlockWriter(logger, dir, 2*(r[1]-r[0]))
		if err != nil {
			return err
		}
		ctx := context.Background()
		n := 0
		// Series by series: the head keeps each series' open chunk, and
		// committing every 10k samples bounds the appender's buffer.
		app := w.Appender(ctx)
		add := func(ls labels.Labels, vals []float64, i int, step int64, counter bool) error {
			for t := r[0] + int64(i)%step; t < r[1]; t += step {
				if counter {
					vals[i] += float64(rng.IntN(50))
				} else {
					vals[i] = float64(rng.IntN(1000)) / 10
				}
				if _, err := app.Append(0, ls, t, vals[i]); err != nil {
					return err
				}
				if n++; n%10_000 == 0 {
					if err := app.Commit(); err != nil {
						return err
					}
					app = w.Appender(ctx)
				}
			}
			return nil
		}
		for i, ls := range fleet {
			if err := add(ls.Labels, fleetVals, i, p.Interval.Milliseconds(), ls.Counter); err != nil {
				return err
			}
		}
		for i, ls := range panel {
			if err := add(ls, panelVals, i, p.PanelInterval.Milliseconds(), true); err != nil {
				return err
			}
		}
		for i, ls := range hosts {
			if err := add(ls.Labels, hostVals, i, p.PanelInterval.Milliseconds(), ls.Counter); err != nil {
				return err
			}
		}
		if err := app.Commit(); err != nil {
			return err
		}
		if _, err := w.Flush(ctx); err != nil {
			return err
		}
		if err := w.Close(); err != nil {
			return err
		}
		logger.Info("graphdata: block written", "from", time.UnixMilli(r[0]).UTC(), "to", time.UnixMilli(r[1]).UTC(),
			"samples", n, "took", time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// compactRange is the largest range Prometheus' compactor builds at a
// retention of 15 days or more (2h x 3^3); blocks cut at its boundaries
// are never compacted again.
const compactRange = int64(54 * time.Hour / time.Millisecond)

// blockRanges cuts [start, end) at the compactor's 54 h boundaries, each
// piece one block, so that no range of the compactor holds two blocks.
func blockRanges(start, end time.Time) [][2]int64 {
	var out [][2]int64
	for t := start.UnixMilli(); t < end.UnixMilli(); {
		next := min((t/compactRange+1)*compactRange, end.UnixMilli())
		out = append(out, [2]int64{t, next})
		t = next
	}
	return out
}
