package ui

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/backups"
)

// The /backups page's figures (issue 12): one tile per job and per
// stanza, the retention calendar and drill verdicts, each saying in
// words what its colour says.

// successGoal is the plan's success rate, used when the service gives
// none.
const successGoal = 0.99

// percentText is a ratio as a percentage with up to two decimals.
func percentText(r float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", r*100), "0"), ".") + "%"
}

// durationText is d in words short enough for a tile: "3h 12m", "45s".
func durationText(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm %ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
}

// stampAgo is a time with how long ago it was: "2026-12-04 02:00 UTC
// (13h ago)", or "never".
func stampAgo(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return timeText(t) + " (" + agoText(t, now) + ")"
}

// jobTile is a job's tile: last success, next run, the 30-day success
// rate against the goal, and whether it runs now.
func jobTile(j backups.JobStatus, goal float64, now time.Time) tile {
	t := tile{ID: "job-" + slug(j.Name), Title: j.Name, Href: "/backups?" + url.Values{"job": {j.Name}}.Encode() + "#runs"}
	last := tileRow{Label: "Last success", Value: "never", Level: levelDown}
	if j.LastSuccess != nil {
		last = tileRow{Label: "Last success", Value: stampAgo(j.LastSuccess.Finished, now)}
	} else if j.Running && (j.LastRun == nil || j.LastRun.State == backups.StateRunning) {
		// Its first run is going: nothing has failed yet.
		last = tileRow{Label: "Last success", Value: "none yet: its first run is going"}
	} else if j.LastRun == nil && !j.Running {
		// A new job has failed nothing yet: it waits for its first run.
		t.Waiting = true
		last = tileRow{Label: "Last success", Value: "none yet: waiting for its first run"}
	}
	t.Rows = append(t.Rows, tileRow{Label: "Kind", Value: j.Kind}, last)
	if j.LastRun != nil && j.LastRun.State != backups.StateSuccess && j.LastRun.State != backups.StateRunning {
		t.Rows = append(t.Rows, tileRow{Label: "Last run", Value: string(j.LastRun.State) + " " + agoText(j.LastRun.Started, now), Level: levelDown})
	}
	if !j.NextRun.IsZero() {
		next := tileRow{Label: "Next run", Value: stampAgo(j.NextRun, now)}
		if j.NextRun.Before(now) {
			// A watched job's slot has come and its ping not yet (it is
			// missed only after the grace): never a next run in the past.
			next = tileRow{Label: "Expected by", Value: timeText(j.NextRun) + ", overdue " + durationText(now.Sub(j.NextRun))}
		}
		t.Rows = append(t.Rows, next)
	}
	rate := tileRow{Label: "Success, 30 days", Value: "no runs yet"}
	if j.SuccessRate != nil {
		rate.Value = fmt.Sprintf("%s of %d runs (goal %s)", percentText(*j.SuccessRate), j.Runs30d, percentText(goal))
		if *j.SuccessRate < goal {
			rate.Value += ": below goal"
			rate.Level = levelDegraded
		}
	}
	running := "no"
	if j.Running {
		running = "yes"
	}
	t.Rows = append(t.Rows, rate, tileRow{Label: "Running now", Value: running})
	for _, r := range t.Rows {
		t.Level = max(t.Level, r.Level)
	}
	return t
}

// stanzaTile is a stanza's tile: pgBackRest's status, the RPO on both
// sides against the target, the PITR window, retention gaps and the
// last drill's RTO against the target.
func stanzaTile(st backups.StanzaStatus, now time.Time) tile {
	t := tile{ID: "stanza-" + slug(st.Name), Title: "Stanza " + st.Name, Href: "/backups#retention-" + slug(st.Name)}
	status := tileRow{Label: "pgBackRest", Value: "ok"}
	if st.Code != 0 {
		status = tileRow{Label: "pgBackRest", Value: fmt.Sprintf("%s (code %d)", st.Message, st.Code), Level: levelDown}
	}
	t.Rows = append(t.Rows, status)
	rpo := tileRow{Label: "RPO now", Value: durationText(st.RPO.Now) + " (target " + durationText(st.RPO.Target) + ")"}
	if st.RPO.Target > 0 && st.RPO.Now > st.RPO.Target {
		rpo.Value += ": over target"
		rpo.Level = levelDown
	}
	t.Rows = append(t.Rows, rpo,
		tileRow{Label: "Archived (database)", Value: stampAgo(st.RPO.ArchivedAt, now)},
		tileRow{Label: "Newest WAL (repository)", Value: stampAgo(st.RPO.RepoAt, now)})
	if !st.RPO.FailedAt.IsZero() && st.RPO.FailedAt.After(st.RPO.ArchivedAt) {
		since := st.RPO.FailingSince // the streak's first failure
		if since.IsZero() {
			since = st.RPO.FailedAt
		}
		t.Rows = append(t.Rows, tileRow{Label: "Archiving", Value: "failing since " + timeText(since) + ", last failure " + timeText(st.RPO.FailedAt), Level: levelDown})
	}
	if st.RPO.Error != "" {
		t.Rows = append(t.Rows, tileRow{Label: "RPO", Value: "not measured: " + st.RPO.Error, Level: levelDegraded})
	}
	pitr := "none"
	if !st.PITRFrom.IsZero() {
		pitr = timeText(st.PITRFrom) + " to " + timeText(st.PITRTo)
	}
	t.Rows = append(t.Rows, tileRow{Label: "Point-in-time window", Value: pitr})
	gaps := tileRow{Label: "Retention gaps", Value: "none"}
	if st.RetentionCheckedAt.IsZero() {
		gaps.Value = "not checked yet"
	} else if len(st.Gaps) > 0 {
		gaps = tileRow{Label: "Retention gaps", Value: fmt.Sprintf("%d missing", len(st.Gaps)), Level: levelDegraded}
	}
	t.Rows = append(t.Rows, gaps)
	if len(st.Overdue) > 0 {
		t.Rows = append(t.Rows, tileRow{Label: "Kept past max_age", Value: fmt.Sprintf("%d backups", len(st.Overdue)), Level: levelDegraded})
	}
	drill := tileRow{Label: "Last drill", Value: "none yet", Level: levelDegraded}
	if d := st.LastDrill; d != nil {
		drill.Value, drill.Level = string(d.State)+" "+agoText(d.Started, now), levelOK
		// A failed drill means a restore is unproven, not that the
		// stanza is down (RestoreDrillFailed is a warning too).
		if d.State != backups.StateSuccess {
			drill.Level = levelDegraded
		}
		if d.Drill != nil {
			v, lvl := rtoVerdict(d.Drill.RTO, cmpOr(d.Drill.RTOTarget, st.RTOTarget))
			t.Rows = append(t.Rows, drill, tileRow{Label: "Drill RTO", Value: v, Level: lvl})
			drill.Label = ""
		}
	}
	if drill.Label != "" {
		t.Rows = append(t.Rows, drill)
	}
	for _, r := range t.Rows {
		t.Level = max(t.Level, r.Level)
	}
	return t
}

func cmpOr(a, b time.Duration) time.Duration {
	if a != 0 {
		return a
	}
	return b
}

// rtoVerdict is a measured RTO against its target, in words.
func rtoVerdict(rto, target time.Duration) (string, level) {
	v := durationText(rto)
	if target <= 0 {
		return v, levelOK
	}
	v += " (target " + durationText(target) + ")"
	if rto > target {
		return v + ": over target", levelDegraded // RTOOverTarget is a warning
	}
	return v + ": within target", levelOK
}

// calendarDay is one day of a stanza's retention calendar.
type calendarDay struct {
	Date time.Time
	// State is "backup" (a restorable backup stopped that day), "gap" (a
	// missing daily bucket) or "" (neither); Text says it in words and
	// Short in a word that fits a seventh of a phone's width.
	State, Text, Short string
}

// calendarWeeks is how many weeks the retention calendar shows.
const calendarWeeks = 6

// retentionCalendar lays out the last calendarWeeks weeks (Monday
// first, UTC) with each day's restorable backups and missing daily
// buckets (from the service's gaps, "missing daily 2026-03-14").
func retentionCalendar(st backups.StanzaStatus, now time.Time) [][]calendarDay {
	today := now.UTC().Truncate(24 * time.Hour)
	monday := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	start := monday.AddDate(0, 0, -7*(calendarWeeks-1))
	have := map[string]int{}
	for _, b := range st.Backups {
		if b.Restorable && !b.Error {
			have[b.Stop.UTC().Format(time.DateOnly)]++
		}
	}
	weeks := make([][]calendarDay, 0, calendarWeeks)
	for w := range calendarWeeks {
		week := make([]calendarDay, 7)
		for d := range 7 {
			day := start.AddDate(0, 0, 7*w+d)
			key := day.Format(time.DateOnly)
			cd := calendarDay{Date: day}
			switch {
			case day.After(today):
			case slices.Contains(st.Gaps, "missing daily "+key):
				cd.State, cd.Text, cd.Short = "gap", "missing", "gap"
			case have[key] > 0:
				cd.State, cd.Text, cd.Short = "backup", "backup", "ok"
				if have[key] > 1 {
					cd.Text, cd.Short = fmt.Sprintf("%d backups", have[key]), fmt.Sprintf("%d×", have[key])
				}
			}
			week[d] = cd
		}
		weeks = append(weeks, week)
	}
	return weeks
}

// runNowHref is where the page's "Run now" of job posts.
func runNowHref(job string) string { return "/backups/jobs/" + url.PathEscape(job) + "/run" }

// restoreHref opens the drill (kind "drill") or restore form of stanza.
func restoreHref(kind, stanza string) string {
	return "/backups/restore?" + url.Values{"kind": {kind}, "stanza": {stanza}}.Encode()
}

// runWhat says what a run was: "backup of job nightly (full)".
func runWhat(r backups.Run) string {
	s := string(r.Kind)
	switch {
	case r.Job != "":
		s += " of job " + r.Job
	case r.Stanza != "":
		s += " of stanza " + r.Stanza
	}
	if r.Type != "" {
		s += " (" + r.Type + ")"
	}
	if r.Trigger != "" {
		s += ", " + string(r.Trigger)
		if r.By != "" {
			s += " by " + r.By
		}
	}
	return s
}

// runDuration is how long a run took, or has been running.
func runDuration(r backups.Run, now time.Time) string {
	if r.Started.IsZero() {
		return ""
	}
	if r.Finished.IsZero() {
		return durationText(now.Sub(r.Started)) + " so far"
	}
	return durationText(r.Finished.Sub(r.Started))
}

// drillRTOText is a drill's RTO against its target, in words.
func drillRTOText(r backups.Run) string {
	if r.Drill == nil || r.Drill.RTO == 0 {
		if r.State == backups.StateRunning {
			return "running"
		}
		return "not measured"
	}
	v, _ := rtoVerdict(r.Drill.RTO, r.Drill.RTOTarget)
	return v
}
