package app

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/compliance"
)

// runJob runs a command job now and waits until its run is recorded.
func (r *complianceRig) runJob(job string) backups.Run {
	r.tb.Helper()
	ctx := context.Background()
	run, err := r.mgr.RunNow(ctx, job, "test")
	if err != nil {
		r.tb.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if got, err := r.mgr.Get(ctx, run.ID); err == nil && got.State != backups.StateRunning {
			return got
		}
	}
	r.tb.Fatalf("run %s of %s did not finish", run.ID, job)
	return run
}

// putRun stores a finished run as the backups package records one.
func (r *complianceRig) putRun(run backups.Run) {
	r.tb.Helper()
	run.ID = fmt.Sprintf("%016x-%08x", uint64(run.Started.UnixNano()), uint32(run.Started.UnixNano()))
	data, err := json.Marshal(run)
	if err != nil {
		r.tb.Fatal(err)
	}
	if err := r.state.PutBackupRun(run.ID, data); err != nil {
		r.tb.Fatal(err)
	}
}

// TestComplianceBackupJobs: no job warns; a job whose run succeeded
// passes; a failed run fails the control.
func TestComplianceBackupJobs(t *testing.T) {
	r := newComplianceRig(t, "")
	r.check("backup-jobs", compliance.Warn)
	r.load("backups:\n  run_as: postgres\n  jobs:\n    - {name: media, kind: command, command: [/bin/true]}\n")
	wantIn(t, r.check("backup-jobs", compliance.Warn), "media: no run yet")
	if run := r.runJob("media"); run.State != backups.StateSuccess {
		t.Fatalf("/bin/true: %s %s", run.State, run.Error)
	}
	e := r.check("backup-jobs", compliance.Pass)
	wantIn(t, e, "1 jobs", "100% of runs succeeded")
	r.load("backups:\n  run_as: postgres\n  jobs:\n    - {name: media, kind: command, command: [/bin/true]}\n    - {name: broken, kind: command, command: [/bin/false]}\n")
	if run := r.runJob("broken"); run.State != backups.StateFailed {
		t.Fatalf("/bin/false: %s", run.State)
	}
	e = r.check("backup-jobs", compliance.Fail)
	wantIn(t, e, "broken: newest run failed", "broken: 0% of 1 runs succeeded")
	if len(e.Sources) < 2 || e.Sources[1].URL == "" {
		t.Errorf("no link to the runs: %+v", e.Sources)
	}
}

const stanzaDoc = `backups:
  stanzas:
    - {name: main, config: /nonexistent/pgbackrest.conf, rpo: 1h, rto: 30m}
`

// TestComplianceRestoreDrill: a stanza never drilled fails; a drill two
// days old within its RTO passes; one over its RTO fails; 45 days on,
// the drill is stale and fails.
func TestComplianceRestoreDrill(t *testing.T) {
	r := newComplianceRig(t, "")
	r.check("restore-drill", compliance.NA)
	r.load(stanzaDoc)
	wantIn(t, r.check("restore-drill", compliance.Fail), "main: no drill ever succeeded")
	start := r.now.Add(-48 * time.Hour)
	r.putRun(backups.Run{Kind: backups.KindDrill, State: backups.StateSuccess, Trigger: backups.TriggerManual, Stanza: "main",
		Started: start, Finished: start.Add(10 * time.Minute), Drill: &backups.DrillResult{RTO: 10 * time.Minute, RTOTarget: 30 * time.Minute}})
	wantIn(t, r.check("restore-drill", compliance.Pass), "main 1d23h ago")
	start = r.now.Add(-24 * time.Hour)
	r.putRun(backups.Run{Kind: backups.KindDrill, State: backups.StateSuccess, Trigger: backups.TriggerManual, Stanza: "main",
		Started: start, Finished: start.Add(40 * time.Minute), Drill: &backups.DrillResult{RTO: 40 * time.Minute, RTOTarget: 30 * time.Minute}})
	wantIn(t, r.check("restore-drill", compliance.Fail), "RTO 40m over its target 30m")
	r.now = r.now.Add(45 * 24 * time.Hour)
	wantIn(t, r.check("restore-drill", compliance.Fail), "newest successful drill 45d ago")
}

// TestComplianceBackupRetention: no stanza is n/a; a stanza whose
// retention was never checked warns.
func TestComplianceBackupRetention(t *testing.T) {
	r := newComplianceRig(t, "")
	r.check("backup-retention", compliance.NA)
	r.load(stanzaDoc)
	wantIn(t, r.check("backup-retention", compliance.Warn), "not checked yet for main")
}

// TestComplianceRPO: 30 days of the data at risk within the target pass;
// four days over it (13%) fail. The series are ward's own metrics in a
// real TSDB, as ward scrapes them from itself.
func TestComplianceRPO(t *testing.T) {
	r := newComplianceRig(t, stanzaDoc)
	wantIn(t, r.check("backup-rpo", compliance.Warn), "No RPO history yet for main")
	from := r.now.Add(-30 * 24 * time.Hour)
	target := labels.FromStrings("__name__", "ward_backup_rpo_target_seconds", "stanza", "main", "job", "ward")
	r.appendSeries(target, from, r.now, time.Minute, func(time.Time) float64 { return 3600 })
	breach := r.now.Add(-10 * 24 * time.Hour)
	for _, side := range []string{"archiver", "repository"} {
		lbls := labels.FromStrings("__name__", "ward_backup_rpo_seconds", "stanza", "main", "side", side, "job", "ward")
		r.appendSeries(lbls, from, r.now, time.Minute, func(t time.Time) float64 {
			if side == "repository" && t.After(breach) && t.Before(breach.Add(4*24*time.Hour)) {
				return 7200
			}
			return 60
		})
	}
	e := r.check("backup-rpo", compliance.Fail)
	wantIn(t, e, "main met its RPO of 1h 86.")
	r.now = r.now.Add(30 * 24 * time.Hour)
	r.appendSeries(target, r.now.Add(-30*24*time.Hour).Add(time.Minute), r.now, time.Minute, func(time.Time) float64 { return 3600 })
	for _, side := range []string{"archiver", "repository"} {
		lbls := labels.FromStrings("__name__", "ward_backup_rpo_seconds", "stanza", "main", "side", side, "job", "ward")
		r.appendSeries(lbls, r.now.Add(-30*24*time.Hour).Add(time.Minute), r.now, time.Minute, func(time.Time) float64 { return 60 })
	}
	wantIn(t, r.check("backup-rpo", compliance.Pass), "main 100%")
}

// TestComplianceSelfBackup: without a job of kind self the control fails
// saying what to configure; with one, a snapshot within 24 hours and a
// restore test within 30 days pass, and a restore test 31 days old fails.
func TestComplianceSelfBackup(t *testing.T) {
	r := newComplianceRig(t, "")
	wantIn(t, r.check("ward-self-backup", compliance.Fail), "Configure a backups job of kind self")
	r.load("backups:\n  jobs:\n    - {name: ward-self, kind: command, command: [/bin/true]}\n")
	// The kind self (`ward backup self`) arrives with the self-backup
	// job; until config accepts it, set it on the loaded config.
	r.cfg.Backups.Jobs[0].Kind = "self"
	wantIn(t, r.check("ward-self-backup", compliance.Fail), "no self-backup ever succeeded", "no self-restore test ever succeeded")
	snap := r.now.Add(-3 * time.Hour)
	r.putRun(backups.Run{Kind: backups.KindBackup, State: backups.StateSuccess, Trigger: backups.TriggerSchedule, Job: "ward-self", Started: snap, Finished: snap.Add(time.Minute)})
	drill := r.now.Add(-31 * 24 * time.Hour)
	r.putRun(backups.Run{Kind: backups.KindDrill, State: backups.StateSuccess, Trigger: backups.TriggerSchedule, Job: "ward-self", Started: drill, Finished: drill.Add(time.Minute)})
	wantIn(t, r.check("ward-self-backup", compliance.Fail), "newest self-restore test 30d23h ago, over 30d")
	drill = r.now.Add(-2 * 24 * time.Hour)
	r.putRun(backups.Run{Kind: backups.KindDrill, State: backups.StateSuccess, Trigger: backups.TriggerSchedule, Job: "ward-self", Started: drill, Finished: drill.Add(time.Minute)})
	r.check("ward-self-backup", compliance.Pass)
}
