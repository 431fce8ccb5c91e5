package ui

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
)

var (
	inlineScript = regexp.MustCompile(`<script(\s[^>]*)?>[^<]`)
	inlineStyle  = regexp.MustCompile(`(?i)\sstyle=|<style`)
)

// TestBackupsPage: tiles, calendar, runs, inventory and drills say in
// words what they colour; actions show to operators only.
func TestBackupsPage(t *testing.T) {
	now := time.Now()
	mem := newMemBackups(now)
	s, base := startBackupsServer(t, mem)
	viewer := signIn(t, s, "victor", auth.RoleViewer)
	operator := signIn(t, s, "olga", auth.RoleOperator)

	resp, body := doAs(t, "GET", base+"/backups", "", viewer)
	if resp.StatusCode != 200 {
		t.Fatalf("/backups: %d", resp.StatusCode)
	}
	gapDay := now.UTC().AddDate(0, 0, -7).Format("Jan 2")
	for _, want := range []string{
		`href="/backups" aria-current="page">Backups`,
		`id="tile-job-nightly"`, `id="tile-job-media"`, `id="tile-stanza-main"`,
		"50% of 2 runs (goal 99%): below goal", "100% of 5 runs (goal 99%)",
		"3m 0s (target 1h 0m)", "5h 0m (target 4h 0m): over target", "2 missing", "success 3h ago",
		`<td class="day gap"><span class="date">` + gapDay + `</span> <span class="what"><span class="what-long">missing</span><span class="what-short" aria-hidden="true">gap</span></span>`,
		"missing weekly 2026-W11",
		`data-expr="ward_backup_last_size_bytes"`, `data-expr="ward_backup_inventory_size_bytes"`,
		// The job's name is backup_job; job is the scrape's ("ward").
		`data-legend="{{backup_job}}"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/backups lacks %q", want)
		}
	}
	if strings.Contains(body, "Run now") || strings.Contains(body, "Drill now") {
		t.Error("a viewer sees the operators' buttons")
	}
	if inlineScript.MatchString(body) || inlineStyle.MatchString(body) {
		t.Error("/backups has an inline script or style")
	}
	_, body = doAs(t, "GET", base+"/backups", "", operator)
	for _, want := range []string{`action="/backups/jobs/nightly/run"`, `href="/backups/restore?kind=drill&amp;stanza=main"`, `href="/backups/restore?kind=restore&amp;stanza=main"`} {
		if !strings.Contains(body, want) {
			t.Errorf("operator's /backups lacks %q", want)
		}
	}
	if strings.Contains(body, `/backups/jobs/media/run`) {
		t.Error("a watched job has a Run now button")
	}

	// Pagination and filters.
	_, body = doAs(t, "GET", base+"/backups?job=nightly", "", viewer)
	if n := strings.Count(body, `<td data-label="What">backup of job nightly`); n != 5 {
		t.Errorf("runs of job nightly: %d rows, want 5", n)
	}
	for _, q := range []string{"job=..", "before=x", "range=2y"} {
		if resp, _ := doAs(t, "GET", base+"/backups?"+q, "", viewer); resp.StatusCode != 400 {
			t.Errorf("/backups?%s: %d, want 400", q, resp.StatusCode)
		}
	}

	// A finished run's page does not poll; the failed run shows why.
	page, _ := mem.List(t.Context(), backups.Filter{Job: "media", Limit: 1})
	resp, body = doAs(t, "GET", base+"/backups/runs/"+page.Runs[0].ID, "", viewer)
	if resp.StatusCode != 200 || strings.Contains(body, "data-poll") || !strings.Contains(body, "exit code 3") {
		t.Errorf("finished run page: %d, data-poll %v", resp.StatusCode, strings.Contains(body, "data-poll"))
	}
	if resp, _ := doAs(t, "POST", base+"/backups/jobs/nightly/run", "", viewer); resp.StatusCode != 403 {
		t.Errorf("viewer's run now: %d, want 403", resp.StatusCode)
	}
	resp, _ = postForm(t, base+"/backups/jobs/nightly/run", url.Values{}, operator)
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.HasPrefix(loc, "/backups/runs/") {
		t.Errorf("operator's run now: %d to %q", resp.StatusCode, loc)
	}
}

func TestRetentionCalendar(t *testing.T) {
	now := time.Date(2026, 3, 18, 12, 0, 0, 0, time.UTC) // a Wednesday
	st := backups.StanzaStatus{
		Backups: []backups.Backup{
			{Stop: time.Date(2026, 3, 16, 2, 0, 0, 0, time.UTC), Restorable: true},
			{Stop: time.Date(2026, 3, 16, 3, 0, 0, 0, time.UTC), Restorable: true},
			{Stop: time.Date(2026, 3, 15, 2, 0, 0, 0, time.UTC), Restorable: false},
			{Stop: time.Date(2026, 3, 14, 2, 0, 0, 0, time.UTC), Restorable: true, Error: true},
		},
		Gaps: []string{"missing daily 2026-03-17", "missing daily 2026-01-01"},
	}
	cal := retentionCalendar(st, now)
	if len(cal) != calendarWeeks || cal[0][0].Date.Weekday() != time.Monday {
		t.Fatalf("calendar of %d weeks starting %s", len(cal), cal[0][0].Date.Weekday())
	}
	last := cal[calendarWeeks-1]
	got := map[int]string{}
	for _, d := range last {
		got[d.Date.Day()] = d.State + "/" + d.Text
	}
	want := map[int]string{16: "backup/2 backups", 17: "gap/missing", 18: "/", 19: "/", 20: "/", 21: "/", 22: "/"}
	for day, w := range want {
		if got[day] != w {
			t.Errorf("March %d: %q, want %q", day, got[day], w)
		}
	}
	prev := cal[calendarWeeks-2]
	for _, d := range prev {
		if d.Date.Day() == 15 && d.State != "" || d.Date.Day() == 14 && d.State != "" {
			t.Errorf("March %d: %q; a backup that is not restorable or has errors fills no day", d.Date.Day(), d.State)
		}
	}
	sv := stanzaViewOf(st, now)
	if len(sv.OtherGaps) != 1 || sv.OtherGaps[0] != "missing daily 2026-01-01" {
		t.Errorf("gaps off the calendar: %q, want the January one only", sv.OtherGaps)
	}
}

func TestNewestFinishedDrill(t *testing.T) {
	runs := []backups.Run{
		{ID: "4", Stanza: "main", State: backups.StateRunning},
		{ID: "3", Stanza: "other", State: backups.StateSuccess},
		{ID: "2", Stanza: "main", State: backups.StateFailed},
		{ID: "1", Stanza: "main", State: backups.StateSuccess},
	}
	if d := newestFinishedDrill(runs, "main"); d == nil || d.ID != "2" {
		t.Errorf("newest finished drill of main: %+v, want run 2", d)
	}
	if d := newestFinishedDrill(runs, "none"); d != nil {
		t.Errorf("a stanza without drills: %+v", d)
	}
}

// TestJobTileFresh: a job with no run yet waits (grey, not Down, no
// success rate); a passed slot reads "Expected by ..., overdue", never a
// next run in the past; and a page whose jobs have no runs shows no rate.
func TestJobTileFresh(t *testing.T) {
	now := time.Date(2026, 3, 18, 16, 28, 0, 0, time.UTC)
	fresh := jobTile(backups.JobStatus{Name: "db", Kind: "pgbackrest", NextRun: now.Add(time.Hour)}, 0.99, now)
	if !fresh.Waiting || fresh.Level != levelOK || tileClass(fresh) != "nodata" {
		t.Errorf("fresh job: waiting %v level %v class %q, want a grey waiting tile", fresh.Waiting, fresh.Level, tileClass(fresh))
	}
	text := fmt.Sprint(fresh.Rows)
	for _, want := range []string{"waiting for its first run", "Next run", "no runs yet"} {
		if !strings.Contains(text, want) {
			t.Errorf("fresh job's rows lack %q: %s", want, text)
		}
	}
	late := jobTile(backups.JobStatus{Name: "media", Kind: "watched", NextRun: now.Add(-27 * time.Second)}, 0.99, now)
	text = fmt.Sprint(late.Rows)
	if strings.Contains(text, "Next run") || !strings.Contains(text, "Expected by") || !strings.Contains(text, "overdue 27.0s") {
		t.Errorf("a passed slot: %s", text)
	}
	// A watched job's first run, started and not finished: not Down.
	first := jobTile(backups.JobStatus{Name: "sync", Kind: "watched", Running: true, LastRun: &backups.Run{State: backups.StateRunning, Started: now.Add(-time.Minute)}}, 0.99, now)
	if first.Level != levelOK || !strings.Contains(fmt.Sprint(first.Rows), "its first run is going") {
		t.Errorf("a first run going: level %v rows %s, want OK", first.Level, fmt.Sprint(first.Rows))
	}
	failed := jobTile(backups.JobStatus{Name: "db", Kind: "pgbackrest", LastRun: &backups.Run{State: backups.StateFailed, Started: now.Add(-time.Hour)}, Runs30d: 1}, 0.99, now)
	if failed.Waiting || failed.Level != levelDown {
		t.Errorf("a job whose only run failed: waiting %v level %v, want Down", failed.Waiting, failed.Level)
	}

	mem := newMemBackups(now)
	mem.status.Jobs = []backups.JobStatus{{Name: "db", Kind: "pgbackrest", NextRun: now.Add(time.Hour)}}
	mem.status.SuccessRate = nil // the Manager: no finished runs, no rate
	s, base := startBackupsServer(t, mem)
	_, body := doAs(t, "GET", base+"/backups", "", signIn(t, s, "victor", auth.RoleViewer))
	if !strings.Contains(body, "all jobs: <strong>no runs yet</strong>") || strings.Contains(body, "meets goal") {
		t.Errorf("/backups with no runs shows a success rate")
	}
}
