package collector

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/histogram"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/scrape"
	"github.com/prometheus/prometheus/storage"
)

// Watcher wants to know when a scrape commits series it watches: the rule
// manager, which evaluates `evaluation: on_data` groups at once
// (rules/ondata.go).
type Watcher interface {
	// Watched returns what is watched now: gen changes whenever the set
	// does; wants reports whether a metric name is in it.
	Watched() (gen uint64, wants func(name string) bool)
	// Committed is called after a scrape of a target of job committed
	// samples of the watched metric names, with the target's interval;
	// changed when the target's up flipped (it died or came back).
	Committed(job string, names []string, interval time.Duration, changed bool)
}

// rescanEvery: a target's watched names are found again on every this
// many scrapes even when its sample count did not change (a name that
// came as another went), so a change is seen within this many scrapes;
// the rule group's own tick covers the gap.
const rescanEvery = 16

// watchedAppendable tells a Watcher about every scrape commit. The cost
// on the scrape path is kept per scrape, not per sample: each target
// remembers which watched metric names its scrapes carry and how many
// samples they had; a scrape compares only its sample count (one
// increment per sample) and looks names up only when the count changed,
// the rules changed, or every rescanEvery scrapes.
type watchedAppendable struct {
	next    storage.AppendableV2
	watcher Watcher

	mu      sync.Mutex
	targets map[*scrape.Target]*targetWatch
}

// targetWatch is what one target's previous scans found.
type targetWatch struct {
	gen     uint64
	names   []string
	samples int
	scrapes int
	up      float64 // the latest scrape's up; -1 before the first
}

func newWatchedAppendable(next storage.AppendableV2, w Watcher) *watchedAppendable {
	return &watchedAppendable{next: next, watcher: w, targets: map[*scrape.Target]*targetWatch{}}
}

// AppenderV2 implements storage.AppendableV2. The scrape manager puts the
// target into the appender context (scrape.Options.PassMetadataInContext).
func (w *watchedAppendable) AppenderV2(ctx context.Context) storage.AppenderV2 {
	app := w.next.AppenderV2(ctx)
	t, ok := scrape.TargetFromContext(ctx)
	if !ok {
		return app
	}
	gen, wants := w.watcher.Watched()
	w.mu.Lock()
	tw := w.targets[t]
	if tw == nil {
		tw = &targetWatch{gen: gen - 1, up: -1}
		w.targets[t] = tw
	}
	prev := *tw
	w.mu.Unlock()
	a := &watchedAppender{AppenderV2: app, w: w, target: t, prev: prev, gen: gen}
	if prev.gen != gen || prev.scrapes%rescanEvery == 0 {
		a.scan, a.wants = true, wants
	}
	return a
}

// forget drops the state of targets no longer scraped.
func (w *watchedAppendable) forget(active map[*scrape.Target]bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for t := range w.targets {
		if !active[t] {
			delete(w.targets, t)
		}
	}
}

// watchedAppender counts a scrape's samples and, when scanning, collects
// the watched metric names among them.
type watchedAppender struct {
	storage.AppenderV2
	w      *watchedAppendable
	target *scrape.Target
	prev   targetWatch
	gen    uint64

	samples int
	scan    bool
	wants   func(string) bool
	names   []string
	// last is the latest name looked up: a scrape's samples come grouped
	// by metric family, so most lookups are skipped.
	last string
	// tail holds the latest samples: the scrape report (up first) is
	// appended last, so up is found at Commit without a per-sample check.
	tail [reportTail]tailSample
}

// reportTail covers the scrape report's series and a few extra.
const reportTail = 8

type tailSample struct {
	ls labels.Labels
	v  float64
}

func (a *watchedAppender) Append(ref storage.SeriesRef, ls labels.Labels, st, t int64, v float64, h *histogram.Histogram, fh *histogram.FloatHistogram, opts storage.AOptions) (storage.SeriesRef, error) {
	a.tail[a.samples%reportTail] = tailSample{ls, v}
	a.samples++
	if a.scan {
		if n := ls.Get(model.MetricNameLabel); n != a.last {
			a.last = n
			if a.wants(n) && !contains(a.names, n) {
				a.names = append(a.names, n)
			}
		}
	}
	return a.AppenderV2.Append(ref, ls, st, t, v, h, fh, opts)
}

// Commit commits, then reports the watched names of this target's scrape
// to the watcher. A count that changed without a scan makes the next
// scrape scan; this one reports the names found before.
func (a *watchedAppender) Commit() error {
	if err := a.AppenderV2.Commit(); err != nil {
		return err
	}
	tw := targetWatch{gen: a.prev.gen, names: a.prev.names, samples: a.samples, scrapes: a.prev.scrapes + 1, up: a.up()}
	if a.scan {
		tw.gen, tw.names = a.gen, a.names
	} else if a.samples != a.prev.samples {
		tw.gen = a.gen - 1 // scan next time
	}
	a.w.mu.Lock()
	if cur := a.w.targets[a.target]; cur != nil {
		*cur = tw
	}
	a.w.mu.Unlock()
	if len(tw.names) > 0 {
		changed := a.prev.up >= 0 && tw.up >= 0 && tw.up != a.prev.up
		a.w.watcher.Committed(a.target.GetValue(model.JobLabel), tw.names, interval(a.target), changed)
	}
	return nil
}

// up is the value of the scrape's up sample, -1 if not among the last.
func (a *watchedAppender) up() float64 {
	for i := range min(a.samples, reportTail) {
		s := a.tail[(a.samples-1-i)%reportTail]
		if s.ls.Get(model.MetricNameLabel) == "up" {
			return s.v
		}
	}
	return -1
}

// interval is the target's scrape interval.
func interval(t *scrape.Target) time.Duration {
	d, err := model.ParseDuration(t.GetValue(model.ScrapeIntervalLabel))
	if err != nil {
		return 0
	}
	return time.Duration(d)
}

func contains(names []string, n string) bool {
	for _, x := range names {
		if x == n {
			return true
		}
	}
	return false
}
