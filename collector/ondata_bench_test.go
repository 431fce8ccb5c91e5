package collector

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/config"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/scrape"
	"github.com/prometheus/prometheus/storage"
)

type nopAppender struct{}

func (nopAppender) Append(storage.SeriesRef, labels.Labels, int64, int64, float64, *histogram.Histogram, *histogram.FloatHistogram, storage.AOptions) (storage.SeriesRef, error) {
	return 1, nil
}
func (nopAppender) Commit() error   { return nil }
func (nopAppender) Rollback() error { return nil }

type nopAppendable struct{}

func (nopAppendable) AppenderV2(context.Context) storage.AppenderV2 { return nopAppender{} }

type countingWatcher struct{ commits int }

func (w *countingWatcher) Watched() (uint64, func(string) bool) {
	return 1, func(n string) bool { return n == "up" }
}
func (w *countingWatcher) Committed(string, []string, time.Duration, bool) { w.commits++ }

// BenchmarkScrapeWatch is the scrape path's cost of data-triggered rule
// evaluation: one 2,000-sample scrape (200 metric families) appended
// through a no-op storage, directly and through the watching appender.
// The difference per sample is what on_data adds to ingestion; the
// bench/README.md ingest figures put Prometheus' whole cost per sample
// in microseconds.
func BenchmarkScrapeWatch(b *testing.B) {
	var series []labels.Labels
	for f := range 200 {
		for i := range 10 {
			series = append(series, labels.FromStrings(model.MetricNameLabel, fmt.Sprintf("family_%d", f), "i", fmt.Sprint(i), "job", "j"))
		}
	}
	tgt := scrape.NewTarget(labels.FromStrings(model.JobLabel, "j", model.ScrapeIntervalLabel, "15s", model.AddressLabel, "x:1"), &config.ScrapeConfig{}, nil, nil)
	ctx := scrape.ContextWithTarget(context.Background(), tgt)
	scrapeOnce := func(a storage.AppendableV2) {
		app := a.AppenderV2(ctx)
		for _, ls := range series {
			_, _ = app.Append(0, ls, 0, 1, 1, nil, nil, storage.AOptions{})
		}
		_ = app.Commit()
	}
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			scrapeOnce(nopAppendable{})
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(series)), "ns/sample")
	})
	b.Run("watched", func(b *testing.B) {
		w := newWatchedAppendable(nopAppendable{}, &countingWatcher{})
		for b.Loop() {
			scrapeOnce(w)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(series)), "ns/sample")
	})
}
