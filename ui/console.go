package ui

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/prometheus/prometheus/promql"
)

// WardStatus is what the console shows of ward itself: /status, and the
// overview's getting-started panel and ward tile.
type WardStatus struct {
	Started time.Time
	// ConfigFile is the configuration in force (or the embedded
	// default's name).
	ConfigFile string
	Reload     ReloadState
	// The TSDB: series in the head, persisted blocks, retention and the
	// bytes its directory takes on disk.
	DataDir       string
	HeadSeries    uint64
	Blocks        int
	OldestBlock   time.Time // zero without blocks
	Retention     time.Duration
	RetentionSize int64 // 0: no size bound
	DiskBytes     int64
	// What the configuration watches, for the getting-started panel:
	// the scrape jobs (ward's own included), the check kinds configured
	// and how many receivers notify through Slack.
	Jobs           []string
	CheckKinds     []string
	SlackReceivers int
}

// ReloadState is the last configuration reload attempt.
type ReloadState struct {
	At time.Time
	OK bool
	// Err says why it failed; empty when it succeeded.
	Err string
}

// consoleQueryTimeout bounds each instant query a console page runs, on
// top of the engine's query.timeout: a page never waits long on a tile.
const consoleQueryTimeout = 5 * time.Second

// instant runs expr at ts through Deps.Query; with no query function
// (a server without a TSDB) it has no data.
func (s *Server) instant(ctx context.Context, expr string, ts time.Time) (promql.Vector, error) {
	if s.deps.Query == nil {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, consoleQueryTimeout)
	defer cancel()
	return s.deps.Query(ctx, expr, ts)
}

// utcStamp renders t for people: UTC, with its zone.
func utcStamp(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// agoText says how long before now t was, roughly: "12s ago", "3m ago",
// "5h ago", "2d ago" ("in 3m" for the future).
func agoText(t, now time.Time) string {
	if t.IsZero() {
		return ""
	}
	if d := now.Sub(t); d >= 0 {
		return roughDuration(d) + " ago"
	}
	return "in " + roughDuration(t.Sub(now))
}

// roughDuration is d in its largest whole unit.
func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// millis renders a duration in milliseconds, to three significant
// digits.
func millis(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return fmt.Sprintf("%.2f ms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// bytesText renders a byte count in binary units.
func bytesText(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// number renders a sample value briefly: integers as integers, others
// with three significant digits; NaN and infinities by name.
func number(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 0):
		return fmt.Sprint(v)
	case v == math.Trunc(v) && math.Abs(v) < 1e15:
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

// slug turns a name into an HTML id fragment: lower-case letters,
// digits and dashes.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// RuleAnchor is the id of a rule on /rules, so that alerts and
// notifications can link to /rules#RuleAnchor(group, rule).
func RuleAnchor(group, rule string) string { return "rule-" + slug(group) + "-" + slug(rule) }
