package app

import (
	"time"

	"github.com/ward-monitoring/ward/checks"
	"github.com/ward-monitoring/ward/collector"
)

// Data-triggered rule evaluation (issue 15): scrape commits and health
// check status changes go to the rule manager, which evaluates the
// `evaluation: on_data` groups reading them at once (rules/ondata.go).

// ruleWatcher forwards to the rule manager, which New builds after the
// collector; nothing is forwarded before Run, when a.rules is set.
type ruleWatcher struct{ a *App }

func (w ruleWatcher) Watched() (uint64, func(string) bool) {
	if w.a.rules == nil {
		return 0, func(string) bool { return false }
	}
	return w.a.rules.Watched()
}

func (w ruleWatcher) Committed(job string, names []string, interval time.Duration, changed bool) {
	if w.a.rules != nil {
		w.a.rules.Committed(job, names, interval, changed)
	}
}

var (
	_ collector.Watcher   = ruleWatcher{}
	_ checks.StateWatcher = ruleWatcher{}
)
