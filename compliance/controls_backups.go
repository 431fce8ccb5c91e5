package compliance

import (
	"fmt"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/backups"
)

// Windows of the backup controls.
const (
	backupWindow = 30 * 24 * time.Hour
	// backupGoal is the share of runs (and of time, for the RPO) that
	// must succeed.
	backupGoal = backups.SuccessGoal
)

var backupsSource = Source{Kind: "backup_run", Ref: "backups", URL: "/backups"}

// backupStatus reads the backups' state, or says why the control cannot
// judge.
func backupStatus(e *env, threshold string) (backups.Status, *Result) {
	svc := e.facts.Backups()
	if svc == nil {
		return backups.Status{}, &Result{Status: NA, Value: "backups are off in this ward", Threshold: threshold, Sources: []Source{configSource("backups")}}
	}
	st, err := svc.Status(e.ctx)
	if err != nil {
		r := failed("", threshold, "reading the backups' state: "+err.Error(), backupsSource)
		return st, &r
	}
	return st, nil
}

// stanzaStatus is backupStatus for the controls about stanzas: with none
// configured they do not apply.
func stanzaStatus(e *env, threshold string) (backups.Status, *Result) {
	st, bad := backupStatus(e, threshold)
	if bad == nil && len(st.Stanzas) == 0 {
		bad = &Result{Status: NA, Value: "no stanza", Threshold: threshold, Sources: []Source{configSource("backups.stanzas")}}
	}
	return st, bad
}

// checkBackupJobs: every job's newest run succeeded (a run past schedule
// and grace is recorded missed) and 99% of its runs did over 30 days.
func checkBackupJobs(e *env) Result {
	threshold := "newest run succeeded within schedule + grace; ≥ 99% over 30d"
	st, bad := backupStatus(e, threshold)
	if bad != nil {
		return *bad
	}
	if len(st.Jobs) == 0 {
		return Result{Status: Warn, Value: "no backup job", Threshold: threshold, Sources: []Source{configSource("backups.jobs")},
			Detail: "Configure the backups ward runs or watches under `backups` (see [Backups](/docs#backups))."}
	}
	var fails, waits []string
	src := []Source{backupsSource}
	for _, j := range st.Jobs {
		last := j.LastRun
		if last != nil && last.State == backups.StateRunning {
			last = j.LastSuccess // judged by what finished
		}
		if last != nil {
			src = append(src, runSource("backup_run", last.ID))
		}
		switch {
		case last == nil:
			waits = append(waits, j.Name+": no run yet")
		case last.State == backups.StateMissed:
			fails = append(fails, j.Name+": missed its schedule")
		case last.State == backups.StateFailed:
			fails = append(fails, j.Name+": newest run failed")
		}
		if j.SuccessRate != nil && *j.SuccessRate < backupGoal {
			fails = append(fails, fmt.Sprintf("%s: %s of %d runs succeeded", j.Name, percent(*j.SuccessRate), j.Runs30d))
		}
	}
	value := fmt.Sprintf("%d jobs", len(st.Jobs))
	if st.SuccessRate != nil {
		value += ", " + percent(*st.SuccessRate) + " of runs succeeded over 30d"
	}
	switch {
	case len(fails) > 0:
		return failed(value, threshold, strings.Join(fails, "; ")+". See [/backups](/backups).", src...)
	case len(waits) > 0:
		return Result{Status: Warn, Value: value, Threshold: threshold, Sources: src, Detail: strings.Join(waits, "; ") + "."}
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}

// rpoExpr is the share of the last 30 days each stanza's data at risk
// was within its target (worse side, every 5 minutes).
const rpoExpr = `avg_over_time((max by (stanza) (ward_backup_rpo_seconds) <= bool on (stanza) max by (stanza) (ward_backup_rpo_target_seconds))[30d:5m])`

// checkRPO: each stanza with an RPO target met it 99% of the last 30
// days, measured from ward's own metrics.
func checkRPO(e *env) Result {
	threshold := "RPO met ≥ 99% of 30d"
	st, bad := backupStatus(e, threshold)
	if bad != nil {
		return *bad
	}
	var stanzas []backups.StanzaStatus
	for _, s := range st.Stanzas {
		if s.RPO.Target > 0 {
			stanzas = append(stanzas, s)
		}
	}
	if len(stanzas) == 0 {
		return Result{Status: NA, Value: "no stanza with an RPO target", Threshold: threshold, Sources: []Source{configSource("backups.stanzas")}}
	}
	vec, err := e.facts.Query(e.ctx, rpoExpr, e.now)
	if err != nil {
		return failed("", threshold, "querying the RPO history: "+err.Error(), metricSource(rpoExpr))
	}
	share := map[string]float64{}
	for _, s := range vec {
		share[s.Metric.Get("stanza")] = s.F
	}
	var fails, parts, waits []string
	for _, s := range stanzas {
		f, ok := share[s.Name]
		if !ok {
			waits = append(waits, s.Name)
			continue
		}
		parts = append(parts, s.Name+" "+percent(f))
		if f < backupGoal {
			fails = append(fails, fmt.Sprintf("%s met its RPO of %s %s of the time (now %s at risk)", s.Name, days(s.RPO.Target), percent(f), days(s.RPO.Now.Round(time.Second))))
		}
	}
	value := strings.Join(parts, ", ")
	src := []Source{metricSource(rpoExpr), backupsSource}
	switch {
	case len(fails) > 0:
		return failed(value, threshold, strings.Join(fails, "; ")+".", src...)
	case len(waits) > 0:
		return Result{Status: Warn, Value: value, Threshold: threshold, Sources: src, Detail: "No RPO history yet for " + names(waits) + "."}
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}

// checkDrill: for each stanza a restore drill succeeded within 30 days,
// with its RTO within the target.
func checkDrill(e *env) Result {
	threshold := "a successful drill within 30d, RTO ≤ target"
	st, bad := stanzaStatus(e, threshold)
	if bad != nil {
		return *bad
	}
	var fails, parts []string
	src := []Source{backupsSource}
	for _, s := range st.Stanzas {
		page, err := e.facts.Backups().List(e.ctx, backups.Filter{Kind: backups.KindDrill, Stanza: s.Name, State: backups.StateSuccess, Limit: 1})
		if err != nil {
			return failed("", threshold, "reading drills: "+err.Error(), src...)
		}
		if len(page.Runs) == 0 {
			fails = append(fails, s.Name+": no drill ever succeeded")
			parts = append(parts, s.Name+" never")
			continue
		}
		r := page.Runs[0]
		src = append(src, runSource("drill", r.ID))
		age := e.now.Sub(r.Finished)
		parts = append(parts, fmt.Sprintf("%s %s ago", s.Name, days(age.Truncate(time.Hour))))
		if age > backupWindow {
			fails = append(fails, fmt.Sprintf("%s: newest successful drill %s ago", s.Name, days(age.Truncate(24*time.Hour))))
		}
		target := s.RTOTarget
		if r.Drill != nil && r.Drill.RTOTarget > 0 {
			target = r.Drill.RTOTarget
		}
		if r.Drill != nil && target > 0 && r.Drill.RTO > target {
			fails = append(fails, fmt.Sprintf("%s: RTO %s over its target %s", s.Name, days(r.Drill.RTO.Round(time.Second)), days(target)))
		}
	}
	value := strings.Join(parts, ", ")
	if len(fails) > 0 {
		return failed(value, threshold, strings.Join(fails, "; ")+". Run a drill from [/backups](/backups) (see [Restore drills](/docs#restore-drills)).", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}

// checkBackupRetention: no stanza misses a retention bucket or keeps a
// backup past max_age, at its last retention check.
func checkBackupRetention(e *env) Result {
	threshold := "no retention gap, nothing past max_age"
	st, bad := stanzaStatus(e, threshold)
	if bad != nil {
		return *bad
	}
	var fails, waits []string
	gaps, overdue := 0, 0
	for _, s := range st.Stanzas {
		if s.RetentionCheckedAt.IsZero() {
			waits = append(waits, s.Name)
			continue
		}
		gaps += len(s.Gaps)
		overdue += len(s.Overdue)
		for _, g := range s.Gaps {
			fails = append(fails, s.Name+": "+g)
		}
		for _, o := range s.Overdue {
			fails = append(fails, s.Name+": "+o+" past max_age")
		}
	}
	value := fmt.Sprintf("%d gaps, %d past max_age", gaps, overdue)
	src := []Source{backupsSource, configSource("backups.stanzas[].retention")}
	switch {
	case len(fails) > 0:
		return failed(value, threshold, names(fails)+".", src...)
	case len(waits) > 0:
		return Result{Status: Warn, Value: value, Threshold: threshold, Sources: src, Detail: "Retention not checked yet for " + names(waits) + "."}
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}
