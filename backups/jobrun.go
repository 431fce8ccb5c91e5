package backups

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ward-monitoring/ward/config"
)

// maxSecretFile bounds a file read for an env_files variable.
const maxSecretFile = 64 << 10

// startLocked records a new running run of st and starts it. m.mu is
// held.
func (m *Manager) startLocked(st *jobState, trigger Trigger, by string, scheduled time.Time, typ string) (Run, error) {
	now := m.now()
	r := Run{
		ID: newRunID(now), Kind: KindBackup, State: StateRunning, Trigger: trigger, By: by,
		Job: st.cfg.Name, Stanza: st.cfg.Stanza, Type: typ, Scheduled: scheduled, Started: now,
	}
	if err := m.store.put(r); err != nil {
		return Run{}, fmt.Errorf("backups: record run: %w", err)
	}
	st.running, st.lastAt, st.last = &r, now, &r
	job := st.cfg
	stanza, _ := stanzaNamed(m.cfg, job.Stanza)
	exec := Executor{User: m.cfg.RunAs}
	m.metrics.started(job.Name)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		out := m.execute(exec, job, stanza, r)
		// The job's state, the metrics and the rates' mark are updated
		// before the run is stored: whoever reads the finished run sees
		// the job idle, its metrics and the rates due for a recount.
		m.mu.Lock()
		m.markRatesLocked()
		if cur := m.jobs[job.Name]; cur != nil && cur.running != nil && cur.running.ID == r.ID {
			done := withoutLog(out)
			cur.running = nil
			if cur.last == nil || cur.last.ID <= done.ID {
				cur.last = &done
			}
			if done.State == StateSuccess {
				cur.lastSuccess = &done
			}
			if cur.removed {
				delete(m.jobs, job.Name)
			}
		}
		m.mu.Unlock()
		m.metrics.finished(out)
		if err := m.store.put(out); err != nil {
			m.log.Error("backup: record finished run", "job", job.Name, "err", err)
		}
		m.refreshRates(m.now())
		m.log.Info("backup run finished", "job", job.Name, "state", out.State, "duration", out.Finished.Sub(out.Started), "err", out.Error)
	}()
	return r, nil
}

// execute runs one backup to its end and returns the finished run.
func (m *Manager) execute(exec Executor, job config.BackupJob, stanza config.BackupStanza, r Run) Run {
	ctx, cancel := context.WithTimeout(m.base, time.Duration(job.Timeout))
	defer cancel()
	var err error
	switch job.Kind {
	case config.BackupKindPgBackRest:
		err = m.runPgBackRest(ctx, exec, job, stanza, &r)
	case config.BackupKindCommand:
		err = m.runCommand(ctx, exec, job, &r)
	case config.BackupKindSelf:
		err = m.runSelf(ctx, job, &r) // issue 14 (selfjob.go)
	default:
		err = fmt.Errorf("unknown kind %q", job.Kind)
	}
	r.Finished = m.now()
	if len(r.Log) > MaxLogBytes {
		r.Log = "[earlier output dropped]\n" + r.Log[len(r.Log)-MaxLogBytes+64:]
	}
	if err != nil {
		r.State, r.Error = StateFailed, oneLineError(err)
		return r
	}
	r.State = StateSuccess
	r.Suspicious = m.suspicious(job, r)
	return r
}

// runPgBackRest runs the backup, reads the new backup's label and size
// from the inventory, then expires.
func (m *Manager) runPgBackRest(ctx context.Context, exec Executor, job config.BackupJob, st config.BackupStanza, r *Run) error {
	env, secrets, err := childEnv(st.Env, st.EnvFiles)
	if err != nil {
		return err
	}
	base := []string{m.pgbr, "--config=" + st.Config, "--stanza=" + st.Name}
	res := m.runStep(ctx, exec, r, Cmd{Argv: append(base, "--type="+r.Type, "backup"), Env: env, Secrets: secrets, Dir: "/", Timeout: time.Duration(job.Timeout)})
	if res.Err != nil {
		return res.Err
	}
	// The backup is made; the rest must not take the job's whole timeout.
	inv, infoErr := m.readInfo(ctx, exec, st)
	if infoErr == nil {
		m.storeInventory(st.Name, inv)
		if b, ok := newestBackupSince(inv.Backups, r.Started); ok {
			r.Label, r.Bytes = b.Label, b.Size
		}
	}
	if job.ExpireAfter() {
		res := m.runStep(ctx, exec, r, Cmd{Argv: append(base, "expire"), Env: env, Secrets: secrets, Dir: "/", Timeout: time.Duration(st.Timeout)})
		if res.Err != nil {
			return fmt.Errorf("backup made, expire failed: %w", res.Err)
		}
	}
	if infoErr != nil {
		return fmt.Errorf("backup made, reading its size failed: %w", infoErr)
	}
	if r.Label == "" {
		return errors.New("backup reported success but no new backup is in the repository")
	}
	return nil
}

// runCommand runs a command job; restic's --json summary, if printed,
// gives the size and file count.
func (m *Manager) runCommand(ctx context.Context, exec Executor, job config.BackupJob, r *Run) error {
	env, secrets, err := childEnv(job.Env, job.EnvFiles)
	if err != nil {
		return err
	}
	sum := &resticSummary{}
	res := m.runStep(ctx, exec, r, Cmd{Argv: job.Command, Env: env, Secrets: secrets, Dir: "/", Timeout: time.Duration(job.Timeout), Stdout: sum})
	if sum.found {
		r.Bytes, r.Files = sum.bytes, sum.files
	}
	return res.Err
}

// runStep runs one command of a run, appending its log and exit code.
func (m *Manager) runStep(ctx context.Context, exec Executor, r *Run, c Cmd) Result {
	res := exec.Run(ctx, c)
	code := res.ExitCode
	r.ExitCode = &code
	r.Log += "$ " + strings.Join(c.Argv, " ") + "\n" + res.Log
	if res.Log != "" && !strings.HasSuffix(res.Log, "\n") {
		r.Log += "\n"
	}
	return res
}

// childEnv is a child's whole environment: a fixed PATH, the allowlisted
// variables of ward's own environment and those read from files, whose
// values are secrets (redacted from the log).
func childEnv(allow []string, files map[string]string) (env, secrets []string, err error) {
	env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}
	for _, name := range allow {
		if v, ok := os.LookupEnv(name); ok {
			env = append(env, name+"="+v)
			secrets = append(secrets, v)
		}
	}
	for name, path := range files {
		v, err := readSecretFile(path)
		if err != nil {
			return nil, nil, fmt.Errorf("env_files.%s: %w", name, err)
		}
		env = append(env, name+"="+v)
		secrets = append(secrets, v)
	}
	return env, secrets, nil
}

func readSecretFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return "", err
	}
	if len(buf) > maxSecretFile {
		return "", fmt.Errorf("%s is over %d bytes", path, maxSecretFile)
	}
	return strings.TrimRight(string(buf), "\r\n"), nil
}

// oneLineError is err's text on one line, bounded.
func oneLineError(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 500 {
		s = s[:500] + "..."
	}
	return s
}
