package ui

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/apperrors"
)

// The errors pages' charts are plain SVG drawn on the server: bars
// sized by attributes (no style, so the CSP holds), each chart with a
// text alternative and, on the issue page, a table of its numbers.
// Counts are per issue, which the TSDB does not hold, so uPlot's
// PromQL charts do not fit here.

// bar is one slot of a chart.
type bar struct {
	Start time.Time
	N     int64
	// X, Y, H are the bar's place in the chart's viewBox.
	X, Y, H string
}

// sparkline is an issue's events per hour over the last day.
type sparkline struct {
	// Path draws every bar at once: one element per row of the list,
	// not 24 (the list has up to 500 rows).
	Path  string
	Total int64
	Peak  int64
}

// Sizes of the charts' viewBoxes.
const (
	sparkW, sparkH = 48, 16 // two units a bar
	chartH         = 100
	chartBarW      = 10
)

// slots lays counts (oldest first, any subset of the slots) onto n
// slots of step from start, zero where there is no count.
func slots(counts []apperrors.Count, start time.Time, step time.Duration, n int) ([]bar, int64, int64) {
	bars := make([]bar, n)
	for i := range bars {
		bars[i].Start = start.Add(time.Duration(i) * step)
	}
	var total, peak int64
	for _, c := range counts {
		i := int(c.Start.Sub(start) / step)
		if c.Start.Before(start) || i >= n {
			continue
		}
		bars[i].N += c.N
	}
	for _, b := range bars {
		total += b.N
		peak = max(peak, b.N)
	}
	return bars, total, peak
}

// place sizes the bars for a viewBox h high with w units a bar; a slot
// with events is at least one unit tall, so it never looks empty.
func place(bars []bar, peak int64, w, h int) {
	for i := range bars {
		height := 0
		if peak > 0 && bars[i].N > 0 {
			height = max(1, int(bars[i].N*int64(h)/peak))
		}
		bars[i].X = strconv.Itoa(i * w)
		bars[i].Y = strconv.Itoa(h - height)
		bars[i].H = strconv.Itoa(height)
	}
}

func newSparkline(counts []apperrors.Count, start time.Time, step time.Duration, n int) sparkline {
	bars, total, peak := slots(counts, start, step, n)
	place(bars, peak, sparkW/n, sparkH)
	var d strings.Builder
	for _, b := range bars {
		if b.N > 0 {
			fmt.Fprintf(&d, "M%s %sh%dv%sh-%dz", b.X, b.Y, sparkW/n, b.H, sparkW/n)
		}
	}
	return sparkline{Path: d.String(), Total: total, Peak: peak}
}

// label is the sparkline's text alternative.
func (s sparkline) label() string {
	if s.Total == 0 {
		return "no events in the last 24 hours"
	}
	return countNoun64(s.Total, "event") + " in the last 24 hours, at most " + strconv.FormatInt(s.Peak, 10) + " in an hour"
}

// issueChart is an issue's events over time.
type issueChart struct {
	Range string // "24h" (hourly) or "14d" (daily)
	Bars  []bar
	Total int64
	Peak  int64
	Step  time.Duration
	// ViewBox is the SVG's viewBox.
	ViewBox string
}

// issueRanges are the issue chart's ranges: slots and their step.
var issueRanges = map[string]struct {
	n    int
	step time.Duration
}{
	"24h": {24, time.Hour},
	"14d": {14, 24 * time.Hour},
}

// newIssueChart lays counts out for the range rng ending with the slot
// that holds now (whole hours or UTC days).
func newIssueChart(counts []apperrors.Count, rng string, start time.Time) issueChart {
	cr := issueRanges[rng]
	bars, total, peak := slots(counts, start, cr.step, cr.n)
	place(bars, peak, chartBarW, chartH)
	return issueChart{Range: rng, Bars: bars, Total: total, Peak: peak, Step: cr.step,
		ViewBox: "0 0 " + strconv.Itoa(cr.n*chartBarW) + " " + strconv.Itoa(chartH)}
}

// chartWindow is the range rng's first slot and end, the last slot
// holding now.
func chartWindow(rng string, now time.Time) (time.Time, time.Time) {
	cr := issueRanges[rng]
	end := now.UTC().Truncate(cr.step).Add(cr.step)
	return end.Add(-time.Duration(cr.n) * cr.step), end
}

// slotText names a bar's slot: its hour or its day (UTC).
func (c issueChart) slotText(b bar) string {
	if c.Step < 24*time.Hour {
		return b.Start.UTC().Format("Jan 2 15:00") + " UTC"
	}
	return b.Start.UTC().Format("Mon Jan 2")
}

// label is the chart's text alternative. It names the axes too: the
// labels drawn beside the bars are hidden from screen readers, which
// hear them here (and read every slot in the table).
func (c issueChart) label() string {
	what := "the last 24 hours, by hour"
	if c.Range == "14d" {
		what = "the last 14 days, by day (UTC)"
	}
	return "Events in " + what + ": " + countNoun64(c.Total, "event") + ", at most " + c.axisMax() + " in one " +
		map[bool]string{true: "hour", false: "day"}[c.Range == "24h"] + "; the first bar is " + c.axisStart() + ", the last " + c.axisEnd()
}

// axisStart and axisEnd name the chart's first and last slots, the
// time axis's two ends; axisMax is the value axis's top, the peak.
func (c issueChart) axisStart() string { return c.slotText(c.Bars[0]) }
func (c issueChart) axisEnd() string   { return c.slotText(c.Bars[len(c.Bars)-1]) }
func (c issueChart) axisMax() string   { return strconv.FormatInt(c.Peak, 10) }

// newIssueThreshold is the age below which an issue's chart opens on
// its last 24 hours: fourteen daily bars would hold one or two.
const newIssueThreshold = 48 * time.Hour

// defaultRange is the chart's range when the URL names none.
func defaultRange(firstSeen, now time.Time) string {
	if now.Sub(firstSeen) < newIssueThreshold {
		return "24h"
	}
	return "14d"
}

func countNoun64(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.FormatInt(n, 10) + " " + noun + "s"
}
