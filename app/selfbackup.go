package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/prometheus/tsdb"

	"github.com/ward-monitoring/ward/alerting"
	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/config"
	"github.com/ward-monitoring/ward/control"
	"github.com/ward-monitoring/ward/storage"
)

// Control commands of the backup of ward itself (issue 14).
const (
	// OpSelfBackup takes a snapshot: Args "to" (a directory or
	// s3://bucket/prefix) and "s3_check" for one to any place, or "job"
	// (default: the only self job) to run a self job now.
	OpSelfBackup = "backup.self"
	// OpSelfTest runs a self job's restore test now: Args "job".
	OpSelfTest = "backup.self.test"
)

// selfBackupOps are the control socket's commands for the backup of ward
// itself (`ward backup self`): the running ward takes the snapshot,
// since it holds the databases.
func (a *App) selfBackupOps() map[string]control.Op {
	s := selfOps{mgr: a.backups, state: a.state, env: a.selfEnv}
	return map[string]control.Op{OpSelfBackup: s.backup, OpSelfTest: s.test}
}

// selfEnv is what a self-backup reads from the running ward.
func (a *App) selfEnv() (backups.SelfSource, string, *auth.Key, []config.Check, error) {
	cfg := a.cfg.Load()
	return selfSourceOf(cfg, a.state, a.db, a.alerting.WriteState)
}

// selfSourceOf builds a self-backup's source and reads the key from
// where `ward serve` reads it.
func selfSourceOf(cfg *config.Config, st *storage.State, db *tsdb.DB, alertState func(string) error) (backups.SelfSource, string, *auth.Key, []config.Check, error) {
	key, _, err := readKey(keySource(cfg))
	if err != nil {
		return backups.SelfSource{}, "", nil, nil, fmt.Errorf("secret key: %w", err)
	}
	scratch := filepath.Join(cfg.Storage.Path, backups.SelfScratchDir)
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return backups.SelfSource{}, "", nil, nil, err
	}
	src := backups.SelfSource{State: st, TSDB: db, Alerting: alertState, Scratch: scratch,
		AlertingDir: filepath.Join(cfg.Storage.Path, "alerting"), AlertingFiles: alerting.StateFiles, Ledger: cfg.LedgerPath()}
	if cfg.Source != config.DefaultSource {
		src.ConfigFile = cfg.Source
	}
	return src, cfg.Storage.Path, key, cfg.Checks, nil
}

// selfBackupOps are the same commands on a database opened while no
// ward runs: the command opens the TSDB itself for the snapshot and
// copies the alerting state's files, which nothing changes meanwhile.
func (o *Offline) selfBackupOps() map[string]control.Op {
	withOffline := func(op func(selfOps, context.Context, *auth.Principal, control.Request) (control.Response, error)) control.Op {
		return func(ctx context.Context, p *auth.Principal, req control.Request) (control.Response, error) {
			db, _, err := storage.OpenTSDB(o.Config.TSDBPath(), storage.TSDBOptions{
				Retention: time.Duration(o.Config.Storage.Retention.Time), MaxBytes: int64(o.Config.Storage.Retention.Size),
			}, slog.New(slog.DiscardHandler), nil)
			if err != nil {
				return control.Response{}, err
			}
			defer db.Close()
			env := func() (backups.SelfSource, string, *auth.Key, []config.Check, error) {
				return selfSourceOf(o.Config, o.State, db, nil)
			}
			mgr := backups.New(backups.Options{State: o.State, DataDir: o.Config.Storage.Path, Self: env})
			mgr.Apply(o.Config.Backups)
			return op(selfOps{mgr: mgr, state: o.State, env: env}, ctx, p, req)
		}
	}
	return map[string]control.Op{OpSelfBackup: withOffline(selfOps.backup), OpSelfTest: withOffline(selfOps.test)}
}

// selfOps serve the commands on a ward's (or the command line's) state.
type selfOps struct {
	mgr   *backups.Manager
	state *storage.State
	env   backups.SelfEnv
}

var errSelfForbidden = errors.New("backups of ward itself are for admins")

// backup takes a snapshot to Args["to"], or runs a self job now.
func (s selfOps) backup(ctx context.Context, p *auth.Principal, req control.Request) (control.Response, error) {
	if !p.Can(auth.RoleAdmin) {
		return control.Response{}, errSelfForbidden
	}
	if req.Args["to"] == "" {
		job, err := s.job(req.Args["job"])
		if err != nil {
			return control.Response{}, err
		}
		r, err := s.mgr.SelfBackupNow(ctx, job.Name, p.User.Name)
		return runResponse(r, err, fmt.Sprintf("self-backup job %s: snapshot %s, %d bytes, to %s", job.Name, r.Label, r.Bytes, job.Destination))
	}
	src, dataDir, key, checks, err := s.env()
	if err != nil {
		return control.Response{}, err
	}
	dest, err := backups.ParseSelfDest(req.Args["to"], req.Args["s3_check"], checks, src.Scratch)
	if err != nil {
		return control.Response{}, err
	}
	res, err := backups.BackupSelf(ctx, src, dataDir, key, dest, 0, time.Now())
	rec := audit.Record{Time: time.Now(), Actor: p.User.Name, ActorIP: p.IP, Action: audit.ActionSelfBackup, Target: dest.String(),
		Outcome: audit.Success, Details: map[string]string{"snapshot": res.Name, "bytes": fmt.Sprint(res.Bytes)}}
	if err != nil {
		rec.Outcome, rec.Details["error"] = audit.Failure, err.Error()
	}
	if aerr := s.state.AppendAudit(rec); aerr != nil {
		return control.Response{}, errors.Join(err, fmt.Errorf("audit record: %w", aerr))
	}
	if err != nil {
		return control.Response{}, err
	}
	data, _ := json.Marshal(res)
	return control.Response{Data: data, Text: fmt.Sprintf("snapshot %s written to %s: %d bytes encrypted (%d files, %d bytes) in %s",
		res.Name, res.Dest, res.Bytes, res.Files, res.Plain, res.Took.Round(time.Millisecond))}, nil
}

// test runs a self job's restore test now.
func (s selfOps) test(ctx context.Context, p *auth.Principal, req control.Request) (control.Response, error) {
	if !p.Can(auth.RoleAdmin) {
		return control.Response{}, errSelfForbidden
	}
	job, err := s.job(req.Args["job"])
	if err != nil {
		return control.Response{}, err
	}
	r, err := s.mgr.SelfDrillNow(ctx, job.Name, p.User.Name)
	text := fmt.Sprintf("restore test of self-backup job %s: snapshot %s %s", job.Name, r.Label, r.State)
	if r.Drill != nil {
		for _, a := range r.Drill.Assertions {
			mark := "ok  "
			if !a.Passed {
				mark = "FAIL"
			}
			text += fmt.Sprintf("\n  %s %s: %s", mark, a.Name, a.Detail)
		}
	}
	return runResponse(r, err, text)
}

// job picks the self job called name, or the only one.
func (s selfOps) job(name string) (config.BackupJob, error) {
	jobs := s.mgr.SelfJobs()
	var names []string
	for _, j := range jobs {
		if j.Name == name || (name == "" && len(jobs) == 1) {
			return j, nil
		}
		names = append(names, j.Name)
	}
	switch {
	case len(jobs) == 0:
		return config.BackupJob{}, errors.New("no self-backup job (kind self) in backups.jobs: give --to DIR or s3://bucket/prefix")
	case name == "":
		return config.BackupJob{}, fmt.Errorf("job: more than one self-backup job (%s): name one with --job", strings.Join(names, ", "))
	}
	return config.BackupJob{}, fmt.Errorf("job: no self-backup job %q (have %s)", name, strings.Join(names, ", "))
}

// runResponse answers with a finished run; a failed run is an error.
func runResponse(r backups.Run, err error, text string) (control.Response, error) {
	if err != nil {
		return control.Response{}, err
	}
	data, _ := json.Marshal(r)
	resp := control.Response{Data: data, Text: text}
	if r.State != backups.StateSuccess {
		// On a line of its own: text may end with a restore test's checks.
		return resp, fmt.Errorf("%s\n  error: %s", text, r.Error)
	}
	return resp, nil
}
