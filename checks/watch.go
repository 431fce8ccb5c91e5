package checks

import (
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
)

// StateWatcher hears of every check run that changed the check's status
// (up, down), after its samples are committed: names are the metric
// names the run wrote, interval the check's. The rule manager evaluates
// the groups reading them at once (rules/ondata.go); the series carry no
// job label, so job is "".
type StateWatcher interface {
	Committed(job string, names []string, interval time.Duration, changed bool)
}

// SetStateWatcher sets who hears of status changes (nil: nobody). Call
// it before Run.
func (r *Runner) SetStateWatcher(w StateWatcher) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.watcher = w
}

func (r *Runner) stateChanged(names []string, interval time.Duration) {
	r.mu.Lock()
	w := r.watcher
	r.mu.Unlock()
	if w != nil {
		w.Committed("", names, interval, true)
	}
}

// metricNames are the distinct metric names of ls, in order.
func metricNames(ls []labels.Labels) []string {
	var names []string
	for _, l := range ls {
		n := l.Get(model.MetricNameLabel)
		if len(names) == 0 || names[len(names)-1] != n {
			names = append(names, n)
		}
	}
	return names
}
