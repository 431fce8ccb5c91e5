package config

import (
	"fmt"
	"time"

	"github.com/prometheus/common/model"
)

// Restoring `for` state at start (issue 15). Like Prometheus, ward writes
// each pending or firing alert's activeAt to ALERTS_FOR_STATE and, after a
// restart, gives alerts that are still active their pending time back, so
// a restart neither delays an alert by its whole `for` nor forgets one
// that was firing. The grace period is the least time such an alert waits
// after the restore before it fires: the restore runs on the first
// evaluations after start, which may still read samples scraped before
// ward stopped (within the 5m lookback); the grace period lets fresh
// scrapes arrive and end a condition that ended while ward was down.
//
// Prometheus' default is 10m, and it does not restore at all an alert whose
// `for` is shorter than the grace period (its pending time starts over):
// that default would leave almost every built-in rule (`for` 1m to 10m)
// unrestored. ward's default is 1m: longer than a scrape interval plus an
// evaluation in any configuration the built-in pack expects (15s scrapes,
// data-triggered evaluation), short enough that a `for: 2m` alert pending
// 1m when ward stopped fires 1m after it is back.

// DefaultForGracePeriod is rules.for_grace_period's default.
const DefaultForGracePeriod = time.Minute

// maxForGracePeriod is the largest grace period accepted: Prometheus'
// outage tolerance, beyond which no state is restored anyway.
const maxForGracePeriod = time.Hour

func (r Rules) problems() []fieldError {
	if g := time.Duration(r.ForGracePeriod); g < 0 || g > maxForGracePeriod {
		return []fieldError{{path: "rules.for_grace_period", msg: fmt.Sprintf("must be between 0s and %s, got %s",
			model.Duration(maxForGracePeriod), r.ForGracePeriod)}}
	}
	return nil
}
