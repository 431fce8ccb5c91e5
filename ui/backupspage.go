package ui

import (
	"net/http"
	"net/url"
	"time"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
)

// The /backups pages (issue 12): status tiles, the size chart, runs,
// the retention calendar and drills; a run's page; the drill or restore
// form. Every page is complete without JavaScript.

// Bounds of what the page shows.
const (
	backupsPageRuns   = 50
	backupsPageDrills = 20
	// inventoryRows bounds each stanza's inventory table (newest first).
	inventoryRows = 100
)

// sizeCharts are the page's size-over-time charts.
var sizeCharts = []chartSpec{
	{ID: "backup-size-jobs", Title: "Backup size by job", Expr: "ward_backup_last_size_bytes", Legend: "{{backup_job}}", Unit: "bytes",
		Note: "Empty until a job reports a size (pgBackRest info, restic's summary, or a ping's bytes=).", NoteWhenEmpty: true},
	{ID: "backup-size-stanzas", Title: "Newest backup size by stanza", Expr: "ward_backup_inventory_size_bytes", Legend: "{{stanza}}", Unit: "bytes",
		Note: "Empty until the first inventory of a stanza.", NoteWhenEmpty: true},
}

// stanzaView is a stanza's tile, calendar, inventory and actions.
type stanzaView struct {
	Status    backups.StanzaStatus
	Tile      tile
	Calendar  [][]calendarDay
	Inventory []backups.Backup
	// OtherGaps are the gaps the daily calendar does not show (weekly,
	// monthly, yearly), in words.
	OtherGaps []string
}

// backupsView is the /backups page.
type backupsView struct {
	Configured bool
	Error      string
	Operator   bool
	Goal       float64
	Overall    *float64 // nil: no finished runs in 30 days
	JobTiles   []tile
	Jobs       []backups.JobStatus
	Stanzas    []stanzaView
	Runs       []backups.Run
	// Next is the link to the next (older) page of runs, or "".
	Next   string
	Filter string // the runs' filter in words, or ""
	Drills []backups.Run
	Now    time.Time
	// Charts.
	Charts []chartSpec
	Links  []rangeLink
	Range  chartRange
	Custom customRange
}

// backupsPage serves GET /backups.
func (s *Server) backupsPage(w http.ResponseWriter, r *http.Request) {
	now := s.now()
	pr := auth.PrincipalFrom(r.Context())
	v := backupsView{Operator: pr.Can(auth.RoleOperator), Now: now, Goal: successGoal, Charts: sizeCharts}
	status := http.StatusOK
	q := r.URL.Query()
	if q.Get("range") == "" && q.Get("from") == "" && q.Get("to") == "" {
		q.Set("range", "30d") // backups change daily: a month by default
	}
	cr, err := parseChartRange(q, now, s.chartRefresh())
	v.Custom = customRangeOf(r)
	if err != nil {
		status, v.Custom.Error = s.formError(w, r, err)
		v.Custom.From, v.Custom.To = clip(q.Get("from"), 64), clip(q.Get("to"), 64)
		cr, _ = parseChartRange(url.Values{"range": {"30d"}}, now, s.chartRefresh())
	}
	v.Range, v.Links = cr, rangeLinks(r, cr)
	p := s.chartPage(s.page(r, "Backups"))
	if s.deps.Backups == nil {
		s.render(w, r, status, backupsPageView(p, v))
		return
	}
	v.Configured = true
	f := backups.Filter{Limit: backupsPageRuns}
	for _, k := range []string{"job", "stanza", "before"} {
		val := q.Get(k)
		if val == "" {
			continue
		}
		var err error
		if k == "before" {
			err = checkRunID(k, val)
		} else {
			err = checkBackupName(k, val)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		switch k {
		case "job":
			f.Job, v.Filter = val, "job "+val
		case "stanza":
			f.Stanza, v.Filter = val, "stanza "+val
		case "before":
			f.Before = val
		}
	}
	st, err := s.deps.Backups.Status(r.Context())
	if err != nil {
		s.fail(w, r, backupErr(err))
		return
	}
	if st.Goal > 0 {
		v.Goal = st.Goal
	}
	v.Overall, v.Jobs = st.SuccessRate, st.Jobs
	for _, j := range st.Jobs {
		v.JobTiles = append(v.JobTiles, jobTile(j, v.Goal, now))
	}
	page, err := s.deps.Backups.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, backupErr(err))
		return
	}
	v.Runs = page.Runs
	if page.Next != "" {
		nq := url.Values{"before": {page.Next}}
		if f.Job != "" {
			nq.Set("job", f.Job)
		}
		if f.Stanza != "" {
			nq.Set("stanza", f.Stanza)
		}
		v.Next = "/backups?" + nq.Encode() + "#runs"
	}
	drills, err := s.deps.Backups.List(r.Context(), backups.Filter{Kind: backups.KindDrill, Limit: backupsPageDrills})
	if err != nil {
		s.fail(w, r, backupErr(err))
		return
	}
	v.Drills = drills.Runs
	for _, sz := range st.Stanzas {
		if sz.LastDrill == nil {
			sz.LastDrill = newestFinishedDrill(drills.Runs, sz.Name)
		}
		v.Stanzas = append(v.Stanzas, stanzaViewOf(sz, now))
	}
	s.render(w, r, status, backupsPageView(p, v))
}

// newestFinishedDrill is the newest finished drill of stanza in runs
// (newest first), or nil: the tile's fallback when the status names
// none.
func newestFinishedDrill(runs []backups.Run, stanza string) *backups.Run {
	for i := range runs {
		if runs[i].Stanza == stanza && runs[i].State != backups.StateRunning {
			r := runs[i]
			return &r
		}
	}
	return nil
}

// stanzaViewOf lays out one stanza.
func stanzaViewOf(st backups.StanzaStatus, now time.Time) stanzaView {
	sv := stanzaView{Status: st, Tile: stanzaTile(st, now), Calendar: retentionCalendar(st, now)}
	for i := len(st.Backups) - 1; i >= 0 && len(sv.Inventory) < inventoryRows; i-- {
		sv.Inventory = append(sv.Inventory, st.Backups[i])
	}
	oldest := sv.Calendar[0][0].Date
	for _, g := range st.Gaps {
		if d, ok := cutDailyGap(g); ok && !d.Before(oldest) {
			continue // on the calendar
		}
		sv.OtherGaps = append(sv.OtherGaps, g)
	}
	return sv
}

// cutDailyGap reads "missing daily 2026-03-14".
func cutDailyGap(g string) (time.Time, bool) {
	const prefix = "missing daily "
	if len(g) != len(prefix)+10 || g[:len(prefix)] != prefix {
		return time.Time{}, false
	}
	d, err := time.Parse(time.DateOnly, g[len(prefix):])
	return d, err == nil
}

// backupRunPage serves GET /backups/runs/{id}: a run's state, progress
// and log. While it runs, ward.js refetches the page (data-poll).
func (s *Server) backupRunPage(w http.ResponseWriter, r *http.Request) {
	svc, ok := s.backupsService(w, r)
	if !ok {
		return
	}
	run, err := s.backupRun(r, svc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "Run "+run.ID)
	p.Current = "/backups"
	s.render(w, r, http.StatusOK, backupRunView(p, run, s.now()))
}

// runNowSubmit serves POST /backups/jobs/{job}/run: the page's "Run
// now"; it goes to the new run's page.
func (s *Server) runNowSubmit(w http.ResponseWriter, r *http.Request) {
	run, pr := s.runNow(r, r.PathValue("job"))
	if pr != nil {
		s.answer(w, r, *pr)
		return
	}
	http.Redirect(w, r, "/backups/runs/"+run.ID, http.StatusSeeOther)
}
