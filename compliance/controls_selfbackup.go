package compliance

import (
	"fmt"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/backups"
)

// selfJobKind is the kind of the backups job that backs ward itself up
// (`ward backup self`).
const selfJobKind = "self"

// Windows of the self-backup control.
const (
	selfBackupWindow  = 24 * time.Hour
	selfRestoreWindow = 30 * 24 * time.Hour
)

// checkSelfBackup: a backups job of kind self took a snapshot in the last
// 24 hours and its restore test passed in the last 30 days.
func checkSelfBackup(e *env) Result {
	threshold := "a self-backup within 24h; a self-restore test within 30d"
	var jobs []string
	for _, j := range e.cfg.Backups.Jobs {
		if j.Kind == selfJobKind {
			jobs = append(jobs, j.Name)
		}
	}
	if len(jobs) == 0 {
		return failed("no self-backup job", threshold, "Configure a backups job of kind self (`ward backup self` on a schedule).", configSource("backups.jobs"))
	}
	svc := e.facts.Backups()
	if svc == nil {
		return failed("", threshold, "backups are off in this ward", configSource("backups"))
	}
	var fails, parts []string
	src := []Source{backupsSource}
	for _, job := range jobs {
		for _, w := range []struct {
			kind   backups.RunKind
			window time.Duration
			what   string
		}{{backups.KindBackup, selfBackupWindow, "self-backup"}, {backups.KindDrill, selfRestoreWindow, "self-restore test"}} {
			page, err := svc.List(e.ctx, backups.Filter{Kind: w.kind, Job: job, State: backups.StateSuccess, Limit: 1})
			if err != nil {
				return failed("", threshold, "reading runs of "+job+": "+err.Error(), src...)
			}
			if len(page.Runs) == 0 {
				fails = append(fails, fmt.Sprintf("%s: no %s ever succeeded", job, w.what))
				parts = append(parts, w.what+" never")
				continue
			}
			r := page.Runs[0]
			src = append(src, runSource(string(w.kind), r.ID))
			age := e.now.Sub(r.Finished)
			parts = append(parts, fmt.Sprintf("%s %s ago", w.what, days(age.Truncate(time.Minute))))
			if age > w.window {
				fails = append(fails, fmt.Sprintf("%s: newest %s %s ago, over %s", job, w.what, days(age.Truncate(time.Hour)), days(w.window)))
			}
		}
	}
	value := strings.Join(parts, ", ")
	if len(fails) > 0 {
		return failed(value, threshold, strings.Join(fails, "; ")+".", src...)
	}
	return Result{Status: Pass, Value: value, Threshold: threshold, Sources: src}
}
