package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ward-monitoring/ward/checks"
)

// level is how production stands, worst last.
type level int

const (
	levelOK level = iota
	levelDegraded
	levelDown
)

func (l level) String() string {
	switch l {
	case levelDegraded:
		return "Degraded"
	case levelDown:
		return "Down"
	}
	return "OK"
}

// class is the CSS class of the level's colour.
func (l level) class() string {
	switch l {
	case levelDegraded:
		return "warn"
	case levelDown:
		return "bad"
	}
	return "ok"
}

// verdictInput is what the overview's banner is derived from.
type verdictInput struct {
	// Checks are the health report's checks; Components ward's own.
	Checks     []checks.Result
	Components []checks.ComponentHealth
	// Firing counts active alerts (neither silenced nor inhibited) by
	// severity.
	Firing map[string]int
	// DownTargets are the targets whose last scrape failed, as
	// "job instance".
	DownTargets []string
}

// verdict is the banner and the reasons shown under it.
type verdict struct {
	Level   level
	Reasons []string
}

// maxReasons bounds the reasons listed under the banner; the counters
// and pages below have the rest.
const maxReasons = 10

// deriveVerdict says whether production is OK, Degraded or Down:
//
//   - Down when a critical check fails (its latest run is down) or an
//     alert of severity "critical" fires.
//   - Degraded when a non-critical check fails, an alert of severity
//     "warning" fires, a scrape target is down, or one of ward's own
//     components is down (ward may then miss problems).
//   - OK otherwise.
//
// Firing means active: silenced and inhibited alerts do not count, so
// that a silence is how people say "known, handled". Alerts of other
// severities ("info", "none": the Watchdog fires always) do not change
// the banner. Checks that have not finished a run yet (pending) count as
// neither up nor failing. The reasons name what set the level, worst
// first.
func deriveVerdict(in verdictInput) verdict {
	var v verdict
	var down, degraded []string
	for _, c := range in.Checks {
		if c.Status != checks.StatusDown {
			continue
		}
		why := fmt.Sprintf("%s check %s is failing", c.Kind, c.Check)
		if c.Reason != "" {
			why += " (" + c.Reason + ")"
		}
		if c.Critical {
			down = append(down, "Critical "+why)
		} else {
			degraded = append(degraded, "Non-critical "+why)
		}
	}
	if n := in.Firing["critical"]; n > 0 {
		down = append(down, countText(n, "critical alert is", "critical alerts are")+" firing")
	}
	if n := in.Firing["warning"]; n > 0 {
		degraded = append(degraded, countText(n, "warning alert is", "warning alerts are")+" firing")
	}
	if n := len(in.DownTargets); n > 0 {
		names := append([]string(nil), in.DownTargets...)
		sort.Strings(names)
		shown := names
		if len(shown) > 3 {
			shown = shown[:3]
		}
		why := countText(n, "target is", "targets are") + " down: " + strings.Join(shown, ", ")
		if len(names) > len(shown) {
			why += fmt.Sprintf(" and %d more", len(names)-len(shown))
		}
		degraded = append(degraded, why)
	}
	for _, c := range in.Components {
		if c.Status == checks.StatusDown {
			degraded = append(degraded, "ward's "+c.Name+" is down: "+c.Error)
		}
	}
	switch {
	case len(down) > 0:
		v.Level = levelDown
	case len(degraded) > 0:
		v.Level = levelDegraded
	}
	v.Reasons = append(down, degraded...)
	if len(v.Reasons) > maxReasons {
		v.Reasons = append(v.Reasons[:maxReasons:maxReasons], fmt.Sprintf("and %d more", len(v.Reasons)-maxReasons))
	}
	return v
}

// plural is "1 one" or "n many".
func countText(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
