package backups

import (
	"context"
	"fmt"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/config"
)

// SelfEnv gives a self job what the running ward holds: its state to
// snapshot, the secret key, and the checks whose S3 settings an s3://
// destination uses. The app wires it (Options.Self); without it a self
// job's runs fail saying so.
type SelfEnv func() (src SelfSource, dataDir string, key *auth.Key, checks []config.Check, err error)

// SelfActor is the audit actor of scheduled self-backups and restore
// tests.
const SelfActor = "ward:backups"

// runSelf runs a self job's backup: the snapshot, its size, the expiry
// of old snapshots, and an audit record of it.
func (m *Manager) runSelf(ctx context.Context, job config.BackupJob, r *Run) error {
	res, err := m.backupSelf(ctx, job, r.Started)
	r.Label, r.Bytes, r.Files = res.Name, res.Bytes, int64(res.Files)
	if err == nil {
		r.Log = fmt.Sprintf("snapshot %s written to %s: %d bytes encrypted (%d files, %d bytes) in %s\n",
			res.Name, res.Dest, res.Bytes, res.Files, res.Plain, res.Took.Round(time.Millisecond))
		for _, name := range res.Expired {
			r.Log += "expired " + name + " (keep " + fmt.Sprint(job.Keep) + ")\n"
		}
	}
	actor := r.By
	if actor == "" {
		actor = SelfActor
	}
	m.auditSelf(audit.ActionSelfBackup, actor, job.Destination, err, map[string]string{"job": job.Name, "snapshot": res.Name, "bytes": fmt.Sprint(res.Bytes)})
	return err
}

func (m *Manager) backupSelf(ctx context.Context, job config.BackupJob, now time.Time) (SelfResult, error) {
	if m.selfw.env == nil {
		return SelfResult{}, fmt.Errorf("self-backups are not wired in this build")
	}
	src, dataDir, key, checks, err := m.selfw.env()
	if err != nil {
		return SelfResult{}, err
	}
	dest, err := ParseSelfDest(job.Destination, job.S3Check, checks, src.Scratch)
	if err != nil {
		return SelfResult{}, err
	}
	return BackupSelf(ctx, src, dataDir, key, dest, job.Keep, now)
}

// auditSelf appends a self-backup or restore-test record.
func (m *Manager) auditSelf(action, actor, target string, err error, details map[string]string) {
	if m.store.st == nil {
		return
	}
	rec := audit.Record{Time: m.now(), Actor: actor, Action: action, Target: target, Outcome: audit.Success, Details: details}
	if err != nil {
		rec.Outcome, rec.Details["error"] = audit.Failure, oneLineError(err)
	}
	if aerr := m.store.st.AppendAudit(rec); aerr != nil {
		m.log.Error("self-backup: audit record", "err", aerr)
	}
}

// SelfDrillNow runs the restore test of the self job called job now and
// returns the finished run (a Run of kind drill, Job the job's name).
func (m *Manager) SelfDrillNow(ctx context.Context, job, by string) (Run, error) {
	m.mu.Lock()
	st, ok := m.jobs[job]
	m.mu.Unlock()
	if !ok || st.removed || st.cfg.Kind != config.BackupKindSelf {
		return Run{}, fmt.Errorf("self-backup job %q: %w", job, ErrNotFound)
	}
	return m.selfDrill(ctx, st.cfg, TriggerManual, by, time.Time{})
}

// selfDrill restores the job's newest snapshot into scratch and checks
// it, recording the run (running, then finished) and its metrics.
func (m *Manager) selfDrill(ctx context.Context, job config.BackupJob, trigger Trigger, by string, scheduled time.Time) (Run, error) {
	if !m.selfw.drilling.TryLock() {
		return Run{}, fmt.Errorf("self-backup restore test: %w", ErrBusy)
	}
	defer m.selfw.drilling.Unlock()
	now := m.now()
	r := Run{ID: newRunID(now), Kind: KindDrill, State: StateRunning, Trigger: trigger, By: by, Job: job.Name,
		Type: config.BackupKindSelf, Scheduled: scheduled, Started: now, Progress: "restoring"}
	if err := m.store.put(r); err != nil {
		return r, fmt.Errorf("backups: record run: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(job.Timeout))
	defer cancel()
	err := m.drillSelf(ctx, job, &r)
	r.Finished, r.Progress = m.now(), "done"
	r.State = StateSuccess
	if err != nil {
		r.State, r.Error, r.Progress = StateFailed, oneLineError(err), "failed"
	}
	if perr := m.store.put(r); perr != nil {
		m.log.Error("self-backup restore test: record run", "job", job.Name, "err", perr)
	}
	m.selfw.metrics.observe(r)
	actor := by
	if actor == "" {
		actor = SelfActor
	}
	m.auditSelf(audit.ActionSelfRestore, actor, job.Destination, err, map[string]string{"job": job.Name, "test": "true", "snapshot": r.Label})
	m.log.Info("self-backup restore test finished", "job", job.Name, "state", r.State, "err", r.Error)
	return r, nil
}

func (m *Manager) drillSelf(ctx context.Context, job config.BackupJob, r *Run) error {
	if m.selfw.env == nil {
		return fmt.Errorf("self-backups are not wired in this build")
	}
	src, _, key, checks, err := m.selfw.env()
	if err != nil {
		return err
	}
	dest, err := ParseSelfDest(job.Destination, job.S3Check, checks, src.Scratch)
	if err != nil {
		return err
	}
	res, name, err := DrillSelf(ctx, dest, key, src.Scratch, m.now())
	r.Drill, r.Label, r.Bytes = &res, name, res.Bytes
	return err
}

// selfPoll is how often SelfBackupNow looks for its run's end.
const selfPoll = 100 * time.Millisecond

// SelfBackupNow runs the self job called job now, as "run now" does,
// and waits (at most until ctx ends) for the finished run.
func (m *Manager) SelfBackupNow(ctx context.Context, job, by string) (Run, error) {
	m.mu.Lock()
	st, ok := m.jobs[job]
	m.mu.Unlock()
	if !ok || st.removed || st.cfg.Kind != config.BackupKindSelf {
		return Run{}, fmt.Errorf("self-backup job %q: %w", job, ErrNotFound)
	}
	r, err := m.RunNow(ctx, job, by)
	if err != nil {
		return r, err
	}
	t := time.NewTicker(selfPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return r, fmt.Errorf("self-backup %s still running: %w", r.ID, ctx.Err())
		case <-t.C:
		}
		if r, err = m.Get(ctx, r.ID); err != nil || r.State != StateRunning {
			return r, err
		}
	}
}

// SelfJobs names the configured self jobs.
func (m *Manager) SelfJobs() []config.BackupJob {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []config.BackupJob
	for _, j := range m.cfg.Jobs {
		if j.Kind == config.BackupKindSelf {
			out = append(out, j)
		}
	}
	return out
}
