package compliance

import (
	"fmt"
	"strings"
	"time"
)

// minRetention is the shortest retention the control accepts.
const minRetention = 30 * 24 * time.Hour

// checkRetention: the events timeline, the audit trail and the metrics
// are each kept at least 30 days.
func checkRetention(e *env) Result {
	ev := time.Duration(e.cfg.Events.Retention)
	au := time.Duration(e.cfg.Auth.Audit.Retention)
	ts := time.Duration(e.cfg.Storage.Retention.Time)
	value := fmt.Sprintf("events %s, audit trail %s, metrics %s", days(ev), days(au), days(ts))
	if ts == 0 {
		value = fmt.Sprintf("events %s, audit trail %s, metrics by size only (%s)", days(ev), days(au), e.cfg.Storage.Retention.Size)
	}
	if e.cfg.Storage.Retention.Size != 0 {
		value += fmt.Sprintf(", metrics at most %s", e.cfg.Storage.Retention.Size)
	}
	threshold := "each ≥ 30d"
	src := []Source{configSource("events.retention"), configSource("auth.audit.retention"), configSource("storage.retention")}
	var short []string
	for _, r := range []struct {
		key string
		d   time.Duration
	}{{"events.retention", ev}, {"auth.audit.retention", au}, {"storage.retention.time", ts}} {
		if r.d < minRetention && !(r.key == "storage.retention.time" && r.d == 0) {
			short = append(short, r.key)
		}
	}
	if len(short) > 0 {
		return failed(value, threshold, "Raise "+strings.Join(short, ", ")+" to at least 30d and reload.", src...)
	}
	if ts == 0 || e.cfg.Storage.Retention.Size != 0 {
		return Result{Status: Warn, Value: value, Threshold: threshold, Sources: src,
			Detail: "`storage.retention.size` may drop metrics younger than 30 days: check [/status](/status) for the TSDB's oldest sample."}
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}
